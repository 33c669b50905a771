// Bad input gets a 4xx AWS-shaped error and never takes the server down: malformed bodies, wrong content
// types, invalid UTF-8, bodies over the limit, truncated bodies, slow clients, huge and deep inputs.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Cumulus } from '../../src/server/server.js';
import { DEFAULTS } from '../../src/server/config.js';
import { fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { json, query, send, xmlText, type RawResponse } from '../protocol/support.js';

const CT = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';

/** A 4xx in AWS's shape: a request id, and no stack trace. */
function assertClientError(res: RawResponse, status?: number): void {
  if (status) assert.equal(res.status, status, res.text);
  else assert.ok(res.status >= 400 && res.status < 500, `expected a 4xx, got ${res.status}: ${res.text.slice(0, 300)}`);
  assert.ok(res.headers.get('x-amzn-requestid'), 'a request id header');
  assert.doesNotMatch(res.text, /\n\s+at /, 'no stack trace');
}

interface RawOutcome {
  /** the status of the answer, if one came */
  status?: number;
  text: string;
  closed: boolean;
  ms: number;
}

/** Writes bytes on a raw socket (optionally in pieces, apart), then reads until the server closes or `waitMs` passes. */
function rawExchange(port: number, pieces: (string | Buffer)[], opts: { gapMs?: number; end?: boolean; waitMs?: number } = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), opts.waitMs ?? 5_000);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    let i = 0;
    const next = () => {
      if (done || socket.destroyed) return;
      if (i < pieces.length) {
        socket.write(pieces[i++]!);
        if (opts.gapMs) setTimeout(next, opts.gapMs);
        else next();
      } else if (opts.end !== false) socket.end();
    };
    socket.on('connect', next);
  });
}

describe('bad input', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());
  // after each case, the server still answers
  afterEach(async () => {
    const res = await fetch(`${c.url}/_cumulus/health`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });

  test('malformed XML: MalformedXML (rest-xml)', async () => {
    for (const body of ['<DistributionConfig><Comment>x</DistributionConfig>', '<<<>>>', '<a>'.repeat(50_000) + '</a>'.repeat(50_000), '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>']) {
      const res = await send(c, '/2020-05-31/distribution', { headers: { authorization: fakeAuth('cloudfront'), 'content-type': 'application/xml' }, body });
      assertClientError(res);
    }
    const res = await send(c, '/bucket?tagging', { method: 'PUT', headers: { authorization: fakeAuth('s3') }, body: '<Tagging><TagSet><Tag>' });
    assertClientError(res, 400);
    assert.equal(xmlText(res.text, 'Code'), 'MalformedXML');
  });

  test('malformed JSON: SerializationException (json and rest-json)', async () => {
    for (const body of ['{"Name": ', '{"Name": "a",}', 'null', '[1,2]', '"string"', '{"Name": "\\ud800"}', '\u0000']) {
      const res = await json(c, 'cloudtrail', `${CT}.CreateTrail`, body);
      assertClientError(res);
    }
    const bad = await json(c, 'cloudtrail', `${CT}.CreateTrail`, '{"Name": ');
    assert.equal((JSON.parse(bad.text) as { __type: string }).__type, 'SerializationException');
    const rest = await send(c, '/2015-03-31/functions', { headers: { authorization: fakeAuth('lambda'), 'content-type': 'application/json' }, body: '{"FunctionName": [' });
    assertClientError(rest, 400);
    assert.equal(rest.headers.get('x-amzn-errortype'), 'SerializationException');
  });

  test('malformed query strings and form bodies', async () => {
    const forms = ['Action=GetCallerIdentity&Version=2011-06-15&%zz=%', 'Action=GetCallerIdentity&&&==&=&a=%E0%A4%A', '%%%%', 'Action', 'Action=&Version=', 'Action=AssumeRole&RoleArn=%ff%fe&RoleSessionName=%00%00'];
    for (const body of forms) {
      const res = await send(c, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body });
      assert.ok(res.status < 500, `${body}: ${res.status} ${res.text}`);
    }
    const url = await send(c, '/?Action=GetCallerIdentity&Version=2011-06-15&x=%G1%', { method: 'GET', headers: { authorization: fakeAuth('sts') } });
    assert.equal(url.status, 200);
    const path = await send(c, '/2015-03-31/functions/%E0%A4%A/configuration', { method: 'GET', headers: { authorization: fakeAuth('lambda') } });
    assertClientError(path, 400);
    assert.equal(path.headers.get('x-amzn-errortype'), 'SerializationException');
  });

  test('wrong content types', async () => {
    // a JSON protocol with a text body type: the target decides, the body must still be JSON
    const plain = await send(c, '/', { headers: { 'content-type': 'text/plain', 'x-amz-target': `${CT}.CreateTrail`, authorization: fakeAuth('cloudtrail') }, body: 'Name=x' });
    assertClientError(plain, 400);
    // a query call whose body is labelled JSON: the form is not read, so there is no Action
    const labelled = await send(c, '/', { headers: { 'content-type': 'application/json', authorization: fakeAuth('sts') }, body: 'Action=GetCallerIdentity' });
    assertClientError(labelled);
    // XML where JSON is expected, and JSON where XML is expected
    const xmlToJson = await send(c, '/2015-03-31/functions', { headers: { authorization: fakeAuth('lambda'), 'content-type': 'application/xml' }, body: '<x/>' });
    assertClientError(xmlToJson, 400);
    const jsonToXml = await send(c, '/2020-05-31/distribution', { headers: { authorization: fakeAuth('cloudfront'), 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.ok(jsonToXml.status < 500 || jsonToXml.status === 501, jsonToXml.text);
    // a multipart body to a query service
    const multipart = await send(c, '/', {
      headers: { 'content-type': 'multipart/form-data; boundary=x', authorization: fakeAuth('iam') },
      body: '--x\r\nContent-Disposition: form-data; name="Action"\r\n\r\nListUsers\r\n--x--',
    });
    assertClientError(multipart);
  });

  test('invalid UTF-8 in bodies, forms and paths', async () => {
    const invalid = Buffer.from([0x7b, 0x22, 0x4e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
    const j = await send(c, '/', { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${CT}.CreateTrail`, authorization: fakeAuth('cloudtrail') }, body: invalid });
    assertClientError(j, 400);
    assert.match(j.text, /UTF-8/);
    const r = await send(c, '/2015-03-31/functions', { headers: { authorization: fakeAuth('lambda'), 'content-type': 'application/json' }, body: invalid });
    assertClientError(r, 400);
    const form = Buffer.concat([Buffer.from('Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId='), Buffer.from([0xff, 0xfe, 0xc3])]);
    const q = await send(c, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body: form });
    assert.ok(q.status < 500 || q.status === 501, q.text);
    const raw = await rawExchange(c.port, [Buffer.concat([Buffer.from('GET /2015-03-31/functions/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')])]);
    assert.ok(raw.status === undefined || raw.status < 500, raw.text);
  });

  test('a body over the limit (72 MiB by default, room for a 50 MB Lambda zip in base64): 413, declared or streamed', async () => {
    assert.equal(DEFAULTS.maxBodyBytes, 72 * 1024 * 1024);
    const big = Buffer.alloc(DEFAULTS.maxBodyBytes + 1, 0x20);
    const declared = await send(c, '/', { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${CT}.CreateTrail`, authorization: fakeAuth('cloudtrail') }, body: big });
    assertClientError(declared, 413);
    assert.equal((JSON.parse(declared.text) as { __type: string }).__type, 'RequestEntityTooLargeException');

    const small = await startTestCumulus({ maxBodyBytes: 1024 });
    try {
      // no Content-Length: the limit is enforced while the body streams in
      const chunk = Buffer.alloc(512, 0x61).toString();
      const streamed = await rawExchange(small.port, [
        `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${fakeAuth('sts')}\r\n\r\n`,
        ...Array.from({ length: 4 }, () => `200\r\n${chunk}\r\n`),
        '0\r\n\r\n',
      ]);
      assert.equal(streamed.status, 413, streamed.text);
      const declaredSmall = await send(small, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body: 'Action=GetCallerIdentity&x=' + 'a'.repeat(2000) });
      assertClientError(declaredSmall, 413);
      assert.equal(xmlText(declaredSmall.text, 'Code'), 'RequestEntityTooLargeException');
      const ok = await query(small, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' });
      assert.equal(ok.status, 200);
    } finally {
      await small.stop();
    }
  });

  test('truncated bodies: the client declares more than it sends, then closes', async () => {
    for (const target of [`${CT}.CreateTrail`, undefined]) {
      const head = target
        ? `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: ${target}\r\nContent-Length: 1000\r\n\r\n{"Name":`
        : `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${fakeAuth('sts')}\r\nContent-Length: 1000\r\n\r\nAction=GetCall`;
      const out = await rawExchange(c.port, [head]);
      assert.ok(out.closed, 'the server closes the connection');
      assert.ok(out.status === undefined || out.status < 500, out.text);
    }
    // a chunked body cut in the middle of a chunk
    const chunked = await rawExchange(c.port, [`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Amz-Target: ${CT}.CreateTrail\r\n\r\n100\r\n{"Na`]);
    assert.ok(chunked.closed);
  });

  test('slow clients are cut off, and others are served meanwhile', async () => {
    // the defaults exist
    assert.equal(c.server.headersTimeout, 30_000);
    assert.equal(c.server.requestTimeout, 120_000);
    const slow = await startTestCumulus({ headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    try {
      const header = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Slow: ${'a'.repeat(40)}\r\n`;
      const trickledHeaders = rawExchange(slow.port, [...header], { gapMs: 50, end: false, waitMs: 6_000 });
      const body = 'Action=GetCallerIdentity&Version=2011-06-15';
      const trickledBody = rawExchange(slow.port, [`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: ${fakeAuth('sts')}\r\nContent-Length: ${body.length + 100}\r\n\r\n`, ...body], {
        gapMs: 100,
        end: false,
        waitMs: 6_000,
      });
      // meanwhile others are answered at once
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        const res = await query(slow, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' });
        assert.equal(res.status, 200);
        assert.ok(Date.now() - t0 < 1_000);
      }
      const [h, b] = await Promise.all([trickledHeaders, trickledBody]);
      assert.ok(h.closed, `the slow header sender is cut off (after ${h.ms} ms): ${h.text}`);
      assert.ok(h.ms < 5_000);
      assert.ok(h.status === undefined || h.status === 408, h.text);
      assert.ok(b.closed, `the slow body sender is cut off (after ${b.ms} ms): ${b.text}`);
      assert.ok(b.status === undefined || b.status === 408, b.text);
    } finally {
      await slow.stop();
    }
  });

  test('huge numbers of parameters, and keys made to be slow', async () => {
    const many = Array.from({ length: 100_000 }, (_, i) => `p${i}=${i}`).join('&');
    let res = await send(c, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body: `Action=GetCallerIdentity&Version=2011-06-15&${many}` });
    assert.equal(res.status, 200);
    // one key of a million dots: indexing every dotted prefix would take forever
    const t0 = Date.now();
    res = await send(c, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body: `Action=GetCallerIdentity&Version=2011-06-15&${'a.'.repeat(1_000_000)}=1` });
    assert.equal(res.status, 200);
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    // a list of 20,000 members where the model allows 50
    const tags = Array.from({ length: 20_000 }, (_, i) => `Tags.member.${i + 1}.Key=k${i}&Tags.member.${i + 1}.Value=v`).join('&');
    res = await send(c, '/', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') },
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&${tags}`,
    });
    assertClientError(res, 400);
    assert.match(xmlText(res.text, 'Message') ?? '', /Member must have length less than or equal to 50/);
    // many query string parameters on a REST call
    const qs = Array.from({ length: 20_000 }, (_, i) => `q${i}=1`).join('&');
    res = await send(c, `/2015-03-31/functions?${qs}`, { method: 'GET', headers: { authorization: fakeAuth('lambda') } });
    assert.ok(res.status < 500 || res.status === 501, res.text);
    // more headers than Node accepts: 431, not a crash
    const headers = Array.from({ length: 2_000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('');
    const raw = await rawExchange(c.port, [`GET /_cumulus/health HTTP/1.1\r\nHost: x\r\n${headers}\r\n`]);
    assert.equal(raw.status, 431);
  });

  test('deeply nested JSON and XML', async () => {
    const depth = 100_000;
    let res = await json(c, 'cloudtrail', `${CT}.CreateTrail`, '['.repeat(depth) + ']'.repeat(depth));
    assertClientError(res, 400);
    res = await json(c, 'cloudtrail', `${CT}.CreateTrail`, '{"Name":"t","S3BucketName":"b","a":' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}');
    assert.ok(res.status < 500 || res.status === 501, res.text);
    // a recursive shape (DynamoDB's AttributeValue) nested far deeper than the stack would allow
    const item = '{"TableName":"t","Item":{"a":' + '{"M":{"a":'.repeat(20_000) + '{"S":"x"}' + '}}'.repeat(20_000) + '}}';
    res = await json(c, 'dynamodb', 'DynamoDB_20120810.PutItem', item, '1.0');
    assertClientError(res, 400);
    assert.equal((JSON.parse(res.text) as { __type: string }).__type, 'SerializationException');
    res = await send(c, '/2020-05-31/distribution', { headers: { authorization: fakeAuth('cloudfront') }, body: '<DistributionConfig>' + '<a>'.repeat(depth) + '</a>'.repeat(depth) + '</DistributionConfig>' });
    assert.ok(res.status < 500 || res.status === 501, res.text);
  });

  test('internal endpoints refuse values that would break the clock', async () => {
    for (const body of ['{"seconds":1e300}', '{"seconds":"10"}', '{"seconds":-1}', '[]', '{', 'null']) {
      const res = await send(c, '/_cumulus/clock/advance', { body });
      assert.equal(res.status, 400, `${body}: ${res.text}`);
    }
    for (const body of ['{"speed":1e308}', '{"speed":0}', '{"speed":"fast"}']) {
      const res = await send(c, '/_cumulus/clock/speed', { body });
      assert.equal(res.status, 400, `${body}: ${res.text}`);
    }
    const clock = await send(c, '/_cumulus/clock', { method: 'GET' });
    assert.equal(clock.status, 200);
    assert.ok(Number.isFinite((JSON.parse(clock.text) as { epochMillis: number }).epochMillis));
  });

  test('garbage on the socket: 400, and the connection is closed', async () => {
    for (const bytes of [Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 'GET\r\n\r\n', 'POST / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 'GET / HTTP/1.1\r\nBad Header\r\n\r\n']) {
      const out = await rawExchange(c.port, [bytes]);
      assert.ok(out.closed);
      assert.ok(out.status === undefined || (out.status >= 400 && out.status < 500), out.text);
    }
  });
});
