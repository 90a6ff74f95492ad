"""QBO's failure responses as fault presets (``kind`` names for :class:`core.sandbox.faults.FaultPlan`).

Shapes follow fact sheet §4: outages come as HTML from the load balancer whatever was asked for,
throttling and gateway timeouts as XML, 401/403 as the gateway's lower-case JSON, and some
service faults arrive inside HTTP 200. Bodies without a verbatim source are sandbox wording.
"""

from __future__ import annotations

import json

from .errors import THROTTLE_XML, gateway_fault, xml_fault

HTML = "text/html; charset=utf-8"
XML = "application/xml;charset=UTF-8"
JSON = "application/json;charset=UTF-8"

HTML_503 = ("<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body>"
            "<h1>503 Service Temporarily Unavailable</h1><p>We'll be back soon.</p></body></html>")
HTML_502 = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
            "</body></html>")


def _service(code: str, message: str, detail: str, fault_type: str = "ValidationFault") -> str:
    return json.dumps({"Fault": {"Error": [{"Message": message, "Detail": detail, "code": code, "element": ""}],
                                 "type": fault_type}, "time": "2026-01-01T00:00:00.000-08:00"})


PRESETS: dict[str, dict] = {
    "unavailable": {"status": 503, "body": HTML_503, "content_type": HTML},
    "bad_gateway": {"status": 502, "body": HTML_502, "content_type": HTML},
    "gateway_timeout": {"status": 504, "content_type": XML, "body": xml_fault(
        "6002", "message=Timeout occurred while proxying request; errorCode=006002; statusCode=504", "", "SERVICE")},
    "throttle": {"status": 429, "body": THROTTLE_XML, "content_type": XML},
    "throttle_403": {"status": 403, "content_type": XML, "body": xml_fault(
        "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=403",
        "The request limit was reached.  Try again later", "SERVICE")},
    "server_error": {"status": 500, "content_type": JSON, "body": json.dumps(gateway_fault(
        "message=InternalServerError; errorCode=003100; statusCode=500", "", "3100", "SERVICE", 0))},
    "system_failure": {"status": 500, "content_type": JSON, "body": _service(
        "10000", "An application error has occurred while processing your request",
        "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a "
        "few minutes and try again.", "SystemFault")},
    "token_expired": {"status": 401, "content_type": JSON,
                      "headers": {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'},
                      "body": json.dumps(gateway_fault("message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                                       "Token expired", "3200", "AUTHENTICATION", 0))},
    "auth_xml": {"status": 401, "content_type": XML, "body": xml_fault(
        "100", "General Authentication Error", "AuthenticationErrorGeneral: SRV-110-Authentication Failure , "
        "statusCode: 401", "AuthenticationFault")},
    "forbidden": {"status": 403, "content_type": JSON, "body": json.dumps(gateway_fault(
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "", "3100", "AUTHORIZATION", 0))},
    "validation": {"status": 400, "content_type": JSON, "body": _service(
        "6000", "A business validation error has occurred while processing your request",
        "Business Validation Error: the sandbox was told to reject this request")},
    "company_status_200": {"status": 200, "content_type": JSON, "body": _service(
        "6190", "Invalid Company Status", "Subscription period has ended or canceled or there was a billing "
        "problem : You can't add data to QuickBooks Online Plus because your trial or subscription period ended, "
        "you canceled your subscription, or there was a billing problem.")},
}
