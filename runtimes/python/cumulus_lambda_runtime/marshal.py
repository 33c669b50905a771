"""Events in, results out: JSON as AWS's marshaller reads and writes it."""
import decimal
import json
import os

from .faults import FaultException


class _Encoder(json.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, decimal.Decimal):
            # AWS's simplejson writes a Decimal's digits as they are; the standard library gets closest with a number.
            if obj.is_nan():
                return float("nan")
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        return super().default(obj)


_ENCODER = _Encoder(ensure_ascii=os.environ.get("AWS_EXECUTION_ENV", "") != "AWS_Lambda_python3.12")


def to_json(obj):
    return _ENCODER.encode(obj)


def unmarshal_request(body, content_type):
    if content_type not in (None, "application/json"):
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return _ENCODER.encode(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))
