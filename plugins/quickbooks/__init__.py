"""The quickbooks accounting plugin (see its issue; registered like any third-party plugin)."""
