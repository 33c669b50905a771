# Cumulus's Python runtime for the python3.x Lambda runtimes: the program an execution environment runs.
# It speaks the Lambda Runtime API (2018-06-01) at AWS_LAMBDA_RUNTIME_API as AWS's runtime interface client
# (awslambdaric) does: import _HANDLER ("module.function", "pkg.mod.function" or "dir/mod.function") from
# LAMBDA_TASK_ROOT, then loop on invocation/next -> handler -> response | error. Standard library only;
# Python 3.9-3.13.
#
# Layers: CUMULUS_LAMBDA_OPT lists the directories that stand for /opt, separated by ':', the one whose files
# win first (AWS extracts layers in order into /opt, a later layer overwriting an earlier one). For each,
# <dir>/python/lib/python3.X/site-packages and <dir>/python go on sys.path after LAMBDA_TASK_ROOT, as
# /opt/python/lib/python3.X/site-packages and /opt/python do on AWS. CUMULUS_LAMBDA_PYTHON_SDK (when set)
# holds boto3 and its dependencies, which AWS's Python runtimes include.
import importlib
import json
import logging
import os
import sys
import time
import traceback

from cumulus_lambda_runtime.client import RuntimeClient
from cumulus_lambda_runtime.context import LambdaContext
from cumulus_lambda_runtime.faults import FaultException
from cumulus_lambda_runtime.marshal import marshal_response, to_json, unmarshal_request

ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as AWS indents logged tracebacks
UNHANDLED_WARNING = (
    "Unhandled exception. The most likely cause is an issue in the function code. However, in rare cases, "
    "a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if "
    "the runtime has been updated, check the runtime version in the INIT_START log entry. If this error "
    "correlates with a change in the runtime version, you may be able to mitigate this error by temporarily "
    "rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


# ---- sys.path: the code, then the layers, as on AWS ----------------------------------------------------
def _setup_path():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    version = "python%d.%d" % sys.version_info[:2]
    front = [task_root]
    for opt in filter(None, os.environ.get("CUMULUS_LAMBDA_OPT", "").split(":")):
        front.append(os.path.join(opt, "python", "lib", version, "site-packages"))
        front.append(os.path.join(opt, "python"))
    # boto3, as AWS's /var/runtime provides it: after the function's code and layers, which may bring their own
    sdk = os.environ.get("CUMULUS_LAMBDA_PYTHON_SDK")
    if sdk:
        front.append(sdk)
    sys.path[:0] = front
    try:
        os.chdir(task_root)  # AWS runs functions from /var/task
    except OSError:
        pass


# ---- logging ---------------------------------------------------------------------------------------------
_REQUEST_ID = None


class Unbuffered(object):
    """stdout and stderr reach the log as they are written, not when a buffer fills."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _log_line(text):
    # One record per stdout line: newlines inside a record become \r, as AWS's runtime frames them.
    sys.stdout.write(text.rstrip("\n").replace("\n", "\r") + "\n")


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            _log_line(self.format(record))
        except Exception:
            self.handleError(record)


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _REQUEST_ID or ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        out = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs,
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None) or None,
        }
        if record.exc_info:
            etype, value, tb = record.exc_info
            out["errorType"] = etype.__name__ if etype else None
            out["errorMessage"] = str(value)
            out["stackTrace"] = traceback.format_tb(tb)
        return json.dumps({k: v for k, v in out.items() if v is not None}, default=str)


JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    if JSON_LOGS:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
        )
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


def _replace_indentation(line):
    n = len(line) - len(line.lstrip(" "))
    return ERROR_LOG_IDENT * n + line[n:]


def log_error(error_result):
    if JSON_LOGS:
        rec = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "ERROR"}
        rec.update(error_result)
        _log_line(to_json(rec))
        return
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]
    lines = [description]
    stack = error_result.get("stackTrace")
    if stack is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack:
            if element == "":
                lines.append("")
            else:
                lines.extend(_replace_indentation(l) for l in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---- errors ---------------------------------------------------------------------------------------------
def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    # The trace starts at the first frame that is not this file's, as on AWS.
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    me = os.path.abspath(__file__)
    for i, frame in enumerate(frames):
        if os.path.abspath(frame[0]) != me:
            return frames[i:]
    return frames


def _fault_result(exc_info, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id)


# ---- the handler and its context ---------------------------------------------------------------------------
def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        m = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e)))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR, "Syntax error in module '{}': {}".format(modname, str(e)), trace
        )
    try:
        return getattr(m, fname)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname))


def _parse_json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e)))


def handle_event(client, request_handler, headers, body):
    invoke_id = headers.get("lambda-runtime-aws-request-id")
    error_result = None
    try:
        context = LambdaContext(
            invoke_id,
            _parse_json_header(headers.get("lambda-runtime-client-context"), "Client Context"),
            _parse_json_header(headers.get("lambda-runtime-cognito-identity"), "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = unmarshal_request(body, headers.get("content-type"))
        response = request_handler(event, context)
        result, content_type = marshal_response(response)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error_result = _fault_result(sys.exc_info(), invoke_id)
    if error_result is not None:
        log_error(error_result)
        client.post_error(invoke_id, error_result)
    else:
        client.post_result(invoke_id, result, content_type)


def main():
    global _REQUEST_ID
    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api:
        sys.stderr.write("Cumulus Python runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    _setup_path()
    _setup_logging()
    # Cumulus serves the same API on a Unix socket to its own runtimes; the handler never sees the variable
    client = RuntimeClient(api, os.environ.pop("_CUMULUS_RUNTIME_API_SOCKET", None))
    try:
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace)
        _init_failed(client, error_result)
    except Exception:
        _init_failed(client, _fault_result(sys.exc_info()))
    while True:
        headers, body = client.next()
        _REQUEST_ID = headers.get("lambda-runtime-aws-request-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        elif "_X_AMZN_TRACE_ID" in os.environ:
            del os.environ["_X_AMZN_TRACE_ID"]
        handle_event(client, request_handler, headers, body)


def _init_failed(client, error_result):
    logging.warning(UNHANDLED_WARNING)
    log_error(error_result)
    try:
        client.post_init_error(error_result)
    finally:
        sys.exit(1)


if __name__ == "__main__":
    main()
