"""Built-in accounting plugins (Xero, QuickBooks Online, MYOB)."""
