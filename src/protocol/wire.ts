// One entry point per direction for all protocols: parse a request's input, render an output or an error.
import { AwsError, validationMessage } from './errors.js';
import type { Identified, WireRequest } from './identify.js';
import { headerValue } from './identify.js';
import { parseJsonText, readJson, writeJson } from './json.js';
import type { Protocol, ServiceModel } from './model.js';
import { ec2Error, ec2Response, queryError, queryResponse, readQueryInput } from './query.js';
import { type HttpResult, readRestInput, writeRestOutput } from './rest.js';
import { CBOR_HEADERS, cborErrorBody, cborResponseBody, readCborInput } from './rpcv2.js';
import { validate } from './validate.js';
import { XmlWriter } from './xml.js';

export type { HttpResult };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkUtf8(body: Buffer): void {
  try {
    utf8.decode(body);
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid UTF-8.');
  }
}

/** Reads the operation's input from the request and validates it against the model. */
export function parseInput(id: Identified, req: WireRequest, validationCode?: string): Record<string, unknown> {
  const { model, op, protocol } = id;
  if (!op) throw new Error('parseInput without an operation');
  let input: Record<string, unknown>;
  switch (protocol) {
    case 'query':
    case 'ec2':
      input = readQueryInput(model, op, id.params ?? new Map(), protocol === 'ec2');
      break;
    case 'json': {
      checkUtf8(req.body);
      const raw = parseJsonText(req.body.toString('utf8'));
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new AwsError('SerializationException', 'The request body must be a JSON object.');
      }
      input = op.input ? ((readJson(model, op.input, raw, '') as Record<string, unknown>) ?? {}) : {};
      break;
    }
    case 'rest-json':
    case 'rest-xml': {
      const payloadIsBinary = isBinaryPayload(id);
      if (!payloadIsBinary) checkUtf8(req.body);
      input = readRestInput(model, op, req, id.labels ?? {}, protocol);
      break;
    }
    case 'smithy-rpc-v2-cbor':
      input = readCborInput(model, op, req.body);
      break;
    default:
      throw new AwsError('UnsupportedProtocol', `Cumulus does not speak the ${protocol} protocol for ${model.index.serviceId} yet.`, { status: 415 });
  }
  const problems = validate(model, op.input, input);
  if (problems.length) {
    if (protocol === 'ec2') {
      const required = problems.find((p) => p.kind === 'required');
      if (required) throw new AwsError('MissingParameter', `The request must contain the parameter ${required.member}`);
      throw new AwsError('InvalidParameterValue', validationMessage(problems.map((p) => p.message)));
    }
    const code = validationCode ?? (protocol === 'query' ? 'ValidationError' : 'ValidationException');
    throw new AwsError(code, validationMessage(problems.map((p) => p.message)));
  }
  return input;
}

function isBinaryPayload(id: Identified): boolean {
  const input = id.op?.input;
  if (!input) return false;
  const shape = input.shape ? id.model.shapes[input.shape] : input;
  const payload = shape?.payload;
  if (!payload) return false;
  const member = shape.members?.[payload];
  const t = member?.shape ? id.model.shapes[member.shape] : member;
  return t?.type === 'blob';
}

function contentType(model: ServiceModel, protocol: Protocol): string {
  switch (protocol) {
    case 'query':
      return 'text/xml';
    case 'ec2':
      return 'text/xml;charset=UTF-8';
    case 'json':
      return `application/x-amz-json-${model.metadata.jsonVersion ?? '1.0'}`;
    case 'rest-json':
      return 'application/json';
    default:
      return 'application/xml';
  }
}

export function renderOutput(id: Identified, output: Record<string, unknown>, requestId: string): HttpResult {
  const { model, op, protocol } = id;
  const out = output ?? {};
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'query':
      return { status: 200, headers: { ...headers, 'content-type': contentType(model, protocol) }, body: queryResponse(model, op!, out, requestId) };
    case 'ec2':
      return { status: 200, headers: { ...headers, 'content-type': contentType(model, protocol) }, body: ec2Response(model, op!, out, requestId) };
    case 'json':
      return {
        status: 200,
        headers: { ...headers, 'content-type': contentType(model, protocol) },
        body: JSON.stringify(op!.output ? (writeJson(model, op!.output, out) ?? {}) : {}),
      };
    case 'smithy-rpc-v2-cbor': {
      const body = cborResponseBody(model, op!, out);
      return { status: 200, headers: body.length ? { ...headers, ...CBOR_HEADERS } : { ...headers, 'smithy-protocol': CBOR_HEADERS['smithy-protocol'] }, body };
    }
    default: {
      const result = writeRestOutput(model, op!, out, protocol as 'rest-json' | 'rest-xml');
      result.headers = { ...headers, ...result.headers };
      if (protocol === 'rest-xml') result.headers['x-amz-request-id'] = requestId;
      return result;
    }
  }
}

/** Status of an error: the provider's, else the model's error shape, else 400 (5xx for receiver faults). */
function errorStatus(model: ServiceModel | undefined, err: AwsError): { status: number; sender: boolean } {
  const shape = model?.errorsByCode.get(err.code)?.shape;
  const status = err.status ?? shape?.error?.httpStatusCode ?? (shape?.fault ? 500 : 400);
  const sender = err.sender ?? shape?.error?.senderFault ?? status < 500;
  return { status, sender };
}

export function renderError(model: ServiceModel | undefined, protocol: Protocol | undefined, err: AwsError, requestId: string): HttpResult {
  const { status, sender } = errorStatus(model, err);
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, ...(err.headers ?? {}) };
  const ns = model?.metadata.xmlNamespace as string | undefined;
  switch (protocol) {
    case 'ec2':
      return { status, headers: { ...headers, 'content-type': 'text/xml;charset=UTF-8' }, body: ec2Error(err.code, err.message, requestId) };
    case 'query':
    case undefined:
      return { status, headers: { ...headers, 'content-type': 'text/xml' }, body: queryError(typeof ns === 'string' ? ns : undefined, err.code, err.message, sender, requestId) };
    case 'json': {
      if (model?.index.awsQueryCompatible) headers['x-amzn-query-error'] = `${err.code};${sender ? 'Sender' : 'Receiver'}`;
      return {
        status,
        headers: { ...headers, 'content-type': model ? contentType(model, 'json') : 'application/x-amz-json-1.1', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ __type: err.code, message: err.message, ...(err.fields ?? {}) }),
      };
    }
    case 'smithy-rpc-v2-cbor':
      if (model?.index.awsQueryCompatible) headers['x-amzn-query-error'] = `${err.code};${sender ? 'Sender' : 'Receiver'}`;
      return { status, headers: { ...headers, ...CBOR_HEADERS }, body: cborErrorBody(err.code, err.message, err.fields) };
    case 'rest-json':
      return {
        status,
        headers: { ...headers, 'content-type': 'application/json', 'x-amzn-errortype': err.code },
        body: JSON.stringify({ message: err.message, ...(err.fields ?? {}) }),
      };
    default: {
      const w = new XmlWriter();
      w.raw('<?xml version="1.0" encoding="UTF-8"?>');
      if (model?.index.id === 's3') {
        w.open('Error').leaf('Code', err.code).leaf('Message', err.message).leaf('RequestId', requestId).close('Error');
        headers['x-amz-request-id'] = requestId;
      } else {
        w.open('ErrorResponse', typeof ns === 'object' && ns ? `xmlns="${(ns as { uri: string }).uri}"` : undefined);
        w.open('Error').leaf('Type', sender ? 'Sender' : 'Receiver').leaf('Code', err.code).leaf('Message', err.message).close('Error');
        w.leaf('RequestId', requestId).close('ErrorResponse');
      }
      return { status, headers: { ...headers, 'content-type': 'application/xml' }, body: w.toString() };
    }
  }
}

/** The protocol to answer in when the request could not be matched to a model. */
export function guessProtocol(req: WireRequest): Protocol {
  const ct = headerValue(req.headers, 'content-type') ?? '';
  if (headerValue(req.headers, 'smithy-protocol') === 'rpc-v2-cbor') return 'smithy-rpc-v2-cbor';
  if (headerValue(req.headers, 'x-amz-target') || ct.startsWith('application/x-amz-json')) return 'json';
  if (ct.includes('json')) return 'rest-json';
  return 'query';
}
