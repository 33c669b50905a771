// Which operation a request addresses: REST routes shared by several operations are told apart by their
// required query and header members (as S3 does), deprecated twins lose, and SDK v3's short X-Amz-Target
// prefixes are accepted beside botocore's namespaced ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cumulus } from '../../src/server/server.js';
import { fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { send, serves, xmlText } from './support.js';

describe('routing', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  /** The operation an S3 request reached, read from the NotImplemented message. */
  async function s3Operation(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<string | undefined> {
    const res = await send(c, path, { method, headers: { authorization: fakeAuth('s3'), ...headers }, body });
    if (res.status !== 501) return `${res.status} ${res.text.slice(0, 200)}`;
    return /operation (\w+) of service/.exec(xmlText(res.text, 'Message') ?? '')?.[1];
  }

  test('S3 operations that share a route', async (t) => {
    if (['DeleteObject', 'AbortMultipartUpload', 'PutObject', 'CopyObject', 'UploadPart', 'UploadPartCopy', 'GetObject', 'ListParts'].some((op) => serves(c, 's3', op))) {
      return t.skip('S3 is served: its own tests cover routing');
    }
    assert.equal(await s3Operation('DELETE', '/bucket/key'), 'DeleteObject');
    assert.equal(await s3Operation('DELETE', '/bucket/key?uploadId=u1'), 'AbortMultipartUpload');
    assert.equal(await s3Operation('PUT', '/bucket/dir/key', {}, 'data'), 'PutObject');
    assert.equal(await s3Operation('PUT', '/bucket/key', { 'x-amz-copy-source': 'other/key' }), 'CopyObject');
    assert.equal(await s3Operation('PUT', '/bucket/key?partNumber=1&uploadId=u1', {}, 'data'), 'UploadPart');
    assert.equal(await s3Operation('PUT', '/bucket/key?partNumber=1&uploadId=u1', { 'x-amz-copy-source': 'other/key' }), 'UploadPartCopy');
    assert.equal(await s3Operation('GET', '/bucket/key'), 'GetObject');
    assert.equal(await s3Operation('GET', '/bucket/key?uploadId=u1'), 'ListParts');
    assert.equal(
      await s3Operation('PUT', '/bucket?lifecycle', {}, '<LifecycleConfiguration><Rule><ID>r</ID><Status>Enabled</Status><Filter><Prefix>p</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>'),
      'PutBucketLifecycleConfiguration',
    );
  });

  test("X-Amz-Target with SDK v3's short prefix and botocore's namespaced one reach the same operation", async () => {
    const headers = (target: string) => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, authorization: fakeAuth('cloudtrail') });
    const long = await send(c, '/', { headers: headers('com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateTrail'), body: '{"Name":"t"}' });
    const short = await send(c, '/', { headers: headers('CloudTrail_20131101.CreateTrail'), body: '{"Name":"t"}' });
    assert.equal(long.status, 400);
    assert.equal(short.status, long.status);
    assert.equal(JSON.parse(short.text).message, JSON.parse(long.text).message);
    // and without a credential scope
    const unsigned = await send(c, '/', { headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CloudTrail_20131101.CreateTrail' }, body: '{"Name":"t"}' });
    assert.equal(JSON.parse(unsigned.text).message, JSON.parse(long.text).message);
  });
});
