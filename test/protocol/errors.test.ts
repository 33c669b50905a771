// Every error format, through the real clients of each protocol family and raw HTTP: AWS's shape, status
// and request id, and the SDKs read the code and the message. Validation runs before the not-implemented
// check, so it is tested on modeled operations of services Cumulus does not serve yet.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, AssumeRoleCommand, GetAccessKeyInfoCommand } from '@aws-sdk/client-sts';
import { IAMClient, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { EC2Client, CreateVpcCommand, DescribeFpgaImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CloudTrailClient, CreateTrailCommand, ListImportsCommand } from '@aws-sdk/client-cloudtrail';
import { LambdaClient, CreateFunctionCommand, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import type { Cumulus } from '../../src/server/server.js';
import { awsCli, boto3, clientConfig, fakeAuth, startTestCumulus } from '../helpers/cumulus.js';
import { UUID, firstUnserved, json, query, send, serves, validationCode, xmlText } from './support.js';

interface SdkError {
  name: string;
  message: string;
  $fault: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  assert.fail('expected the call to fail');
}

const CT = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';
const AWS_ENV = { AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard' };

describe('error formats', () => {
  let c: Cumulus;
  before(async () => {
    c = await startTestCumulus();
  });
  after(() => c.stop());

  describe('query (STS, IAM)', () => {
    test('a missing required member: ValidationError with AWS message, raw and through the SDK', async () => {
      const code = validationCode(c, 'sts', 'ValidationError');
      const expected = "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null";
      const res = await query(c, 'sts', { Action: 'GetAccessKeyInfo', Version: '2011-06-15' });
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
      const requestId = res.headers.get('x-amzn-requestid');
      assert.match(requestId ?? '', UUID);
      assert.match(res.text, /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>/);
      assert.equal(xmlText(res.text, 'Code'), code);
      assert.equal(xmlText(res.text, 'Message'), expected);
      assert.equal(xmlText(res.text, 'RequestId'), requestId);

      const sts = new STSClient(clientConfig(c));
      const err = await sdkError(sts.send(new GetAccessKeyInfoCommand({} as never)));
      assert.equal(err.name, code);
      assert.equal(err.message, expected);
      assert.equal(err.$fault, 'client');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.$metadata.requestId ?? '', UUID);
    });

    test('length, range and pattern violations name the member and the constraint', async () => {
      const sts = new STSClient(clientConfig(c));
      const code = validationCode(c, 'sts', 'ValidationError');
      const arn = 'arn:aws:iam::123456789012:role/r';
      let err = await sdkError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 's' })));
      assert.equal(err.name, code);
      assert.equal(err.message, "1 validation error detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2");
      err = await sdkError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'session', DurationSeconds: 10 })));
      assert.equal(err.message, "1 validation error detected: Value '10' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
      err = await sdkError(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'a b' })));
      assert.equal(err.message, "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
      assert.equal(err.$metadata.httpStatusCode, 400);
      // several problems are listed together
      err = await sdkError(sts.send(new AssumeRoleCommand({ RoleArn: 'short', RoleSessionName: 's', DurationSeconds: 99999 })));
      assert.match(err.message, /^3 validation errors detected: /);
    });

    test('an enum violation lists the allowed values (IAM)', async () => {
      const iam = new IAMClient(clientConfig(c));
      const err = await sdkError(iam.send(new ListPoliciesCommand({ Scope: 'Everything' as never })));
      assert.equal(err.name, validationCode(c, 'iam', 'ValidationError'));
      assert.equal(err.message, "1 validation error detected: Value 'Everything' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]");
      assert.equal(err.$metadata.httpStatusCode, 400);
    });

    test('an unknown action: InvalidAction', async () => {
      const res = await query(c, 'sts', { Action: 'FlyToTheMoon', Version: '2011-06-15' });
      assert.equal(res.status, 400);
      assert.equal(xmlText(res.text, 'Code'), 'InvalidAction');
      assert.equal(xmlText(res.text, 'Message'), 'The action FlyToTheMoon is not valid for this web service.');
      assert.equal(xmlText(res.text, 'RequestId'), res.headers.get('x-amzn-requestid'));
    });

    test('a request without an Action: MissingAction', async () => {
      const res = await send(c, '/', { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: fakeAuth('sts') }, body: 'Version=2011-06-15' });
      assert.equal(res.status, 400);
      assert.equal(xmlText(res.text, 'Code'), 'MissingAction');
    });

    test('an operation not served yet: 501 NotImplemented naming it, raw, CLI and boto3', async (t) => {
      const pick = firstUnserved(c, [
        ['cloudformation', 'ListStacks'],
        ['sns', 'ListTopics'],
        ['autoscaling', 'DescribeAutoScalingGroups'],
      ]);
      if (!pick) return t.skip('every candidate operation is served');
      const [service, op] = pick;
      const version = c.controlPlane.service(service) ? undefined : { cloudformation: '2010-05-15', sns: '2010-03-31', autoscaling: '2011-01-01' }[service];
      const res = await query(c, service, { Action: op, Version: version ?? '' });
      assert.equal(res.status, 501);
      assert.match(res.text, /<ErrorResponse xmlns="[^"]+"><Error><Type>Receiver<\/Type><Code>NotImplemented<\/Code>/);
      assert.match(xmlText(res.text, 'Message') ?? '', new RegExp(`\\b${op}\\b`));

      const cliOp = op.replace(/[A-Z]/g, (ch, i: number) => (i ? '-' : '') + ch.toLowerCase());
      const [cli, py] = await Promise.all([
        awsCli(c, [service, cliOp], AWS_ENV),
        boto3(
          c,
          `from botocore.exceptions import ClientError
try:
    getattr(boto3.client('${service}', endpoint_url=endpoint), '${cliOp.replace(/-/g, '_')}')()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata'].get('RequestId')]))`,
          AWS_ENV,
        ),
      ]);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, new RegExp(`An error occurred \\(NotImplemented\\) when calling the ${op} operation[^:]*: .*${op}`));
      assert.equal(py.code, 0, py.stderr);
      const [pyCode, pyStatus, pyRequestId] = JSON.parse(py.stdout) as [string, number, string];
      assert.equal(pyCode, 'NotImplemented');
      assert.equal(pyStatus, 501);
      assert.match(pyRequestId, UUID);
    });

    test('validation errors reach boto3 (client-side validation off) with code, status and request id', async () => {
      const py = await boto3(
        c,
        `from botocore.config import Config
from botocore.exceptions import ClientError
sts = boto3.client('sts', endpoint_url=endpoint, config=Config(parameter_validation=False))
try:
    sts.get_access_key_info()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata'].get('RequestId')]))`,
        AWS_ENV,
      );
      assert.equal(py.code, 0, py.stderr);
      const [code, message, status, requestId] = JSON.parse(py.stdout) as [string, string, number, string];
      assert.equal(code, validationCode(c, 'sts', 'ValidationError'));
      assert.equal(message, "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null");
      assert.equal(status, 400);
      assert.match(requestId, UUID);
    });
  });

  describe('ec2', () => {
    test('a missing required parameter: MissingParameter in <Response><Errors> with <RequestID>', async () => {
      const res = await query(c, 'ec2', { Action: 'RunInstances', Version: '2016-11-15', ImageId: 'ami-12345678', MinCount: '1' });
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
      const requestId = res.headers.get('x-amzn-requestid');
      assert.match(res.text, /<Response><Errors><Error><Code>MissingParameter<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>$/);
      assert.equal(xmlText(res.text, 'Message'), 'The request must contain the parameter MaxCount');
      assert.equal(xmlText(res.text, 'RequestID'), requestId);

      const ec2 = new EC2Client(clientConfig(c));
      const err = await sdkError(ec2.send(new RunInstancesCommand({ ImageId: 'ami-12345678' } as never)));
      assert.equal(err.name, 'MissingParameter');
      assert.match(err.message, /^The request must contain the parameter M(ax|in)Count$/);
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.$metadata.requestId ?? '', UUID);
    });

    test('an enum violation: InvalidParameterValue', async () => {
      const ec2 = new EC2Client(clientConfig(c));
      const err = await sdkError(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', InstanceTenancy: 'shared-with-everyone' as never })));
      assert.equal(err.name, 'InvalidParameterValue');
      assert.match(err.message, /shared-with-everyone/);
      assert.equal(err.$metadata.httpStatusCode, 400);
    });

    test('an unknown action: InvalidAction', async () => {
      const res = await query(c, 'ec2', { Action: 'DescribeUnicorns', Version: '2016-11-15' });
      assert.equal(res.status, 400);
      assert.equal(xmlText(res.text, 'Code'), 'InvalidAction');
      assert.equal(xmlText(res.text, 'RequestID'), res.headers.get('x-amzn-requestid'));
    });

    test('an operation not served yet: 501 NotImplemented through the SDK, the CLI and boto3', async () => {
      // FPGA images are outside Cumulus's scope: this operation stays unserved
      assert.equal(serves(c, 'ec2', 'DescribeFpgaImages'), false);
      const ec2 = new EC2Client(clientConfig(c));
      const err = await sdkError(ec2.send(new DescribeFpgaImagesCommand({})));
      assert.equal(err.name, 'NotImplemented');
      assert.match(err.message, /DescribeFpgaImages/);
      assert.equal(err.$fault, 'server');
      assert.equal(err.$metadata.httpStatusCode, 501);
      assert.match(err.$metadata.requestId ?? '', UUID);

      const [cli, py] = await Promise.all([
        awsCli(c, ['ec2', 'describe-fpga-images'], AWS_ENV),
        boto3(
          c,
          `from botocore.exceptions import ClientError
try:
    boto3.client('ec2', endpoint_url=endpoint).describe_fpga_images()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata'].get('RequestId')]))`,
          AWS_ENV,
        ),
      ]);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /An error occurred \(NotImplemented\) when calling the DescribeFpgaImages operation/);
      assert.equal(py.code, 0, py.stderr);
      const [code, status, requestId] = JSON.parse(py.stdout) as [string, number, string];
      assert.deepEqual([code, status], ['NotImplemented', 501]);
      assert.match(requestId, UUID);
    });
  });

  describe('json 1.1 (CloudTrail)', () => {
    test('a missing required member: __type and message, raw and through the SDK', async () => {
      const code = validationCode(c, 'cloudtrail', 'ValidationException');
      const res = await json(c, 'cloudtrail', `${CT}.CreateTrail`, { Name: 'trail' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
      assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID);
      const body = JSON.parse(res.text) as { __type: string; message: string };
      assert.equal(body.__type, code);
      assert.equal(body.message, "1 validation error detected: Value null at 's3BucketName' failed to satisfy constraint: Member must not be null");

      const ct = new CloudTrailClient(clientConfig(c));
      const err = await sdkError(ct.send(new CreateTrailCommand({ Name: 'trail' } as never)));
      assert.equal(err.name, code);
      assert.equal(err.message, body.message);
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.$metadata.requestId ?? '', UUID);
    });

    test('enum, range and length violations', async () => {
      const ct = new CloudTrailClient(clientConfig(c));
      const code = validationCode(c, 'cloudtrail', 'ValidationException');
      let err = await sdkError(ct.send(new ListImportsCommand({ ImportStatus: 'SLEEPING' as never })));
      assert.equal(err.name, code);
      assert.equal(
        err.message,
        "1 validation error detected: Value 'SLEEPING' at 'importStatus' failed to satisfy constraint: Member must satisfy enum value set: [INITIALIZING, IN_PROGRESS, FAILED, STOPPED, COMPLETED]",
      );
      err = await sdkError(ct.send(new ListImportsCommand({ MaxResults: 0 })));
      assert.equal(err.message, "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
      err = await sdkError(ct.send(new ListImportsCommand({ NextToken: 'abc' })));
      assert.equal(err.message, "1 validation error detected: Value 'abc' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 4");
    });

    test('a wrong type: SerializationException', async () => {
      const res = await json(c, 'cloudtrail', `${CT}.CreateTrail`, { Name: 5, S3BucketName: 'b' });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.text) as { __type: string }).__type, 'SerializationException');
    });

    test('an unknown operation: UnknownOperationException', async () => {
      const res = await json(c, 'cloudtrail', `${CT}.BakeACake`, {});
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
      assert.equal((JSON.parse(res.text) as { __type: string }).__type, 'UnknownOperationException');
    });

    test('an operation not served yet: 501 NotImplemented through the SDK, the CLI and boto3', async (t) => {
      const pick = firstUnserved(c, [
        ['cloudtrail', 'ListImports'],
        ['cloudtrail', 'ListChannels'],
        ['cloudtrail', 'ListEventDataStores'],
      ]);
      if (!pick) return t.skip('every candidate operation is served');
      const op = pick[1];
      const res = await json(c, 'cloudtrail', `${CT}.${op}`, {});
      assert.equal(res.status, 501);
      assert.equal(res.headers.get('x-amzn-errortype'), 'NotImplemented');
      const body = JSON.parse(res.text) as { __type: string; message: string };
      assert.equal(body.__type, 'NotImplemented');
      assert.match(body.message, new RegExp(op));

      const ct = new CloudTrailClient(clientConfig(c));
      if (op === 'ListImports') {
        const err = await sdkError(ct.send(new ListImportsCommand({})));
        assert.equal(err.name, 'NotImplemented');
        assert.equal(err.$metadata.httpStatusCode, 501);
      }
      const cliOp = op.replace(/[A-Z]/g, (ch, i: number) => (i ? '-' : '') + ch.toLowerCase());
      const [cli, py] = await Promise.all([
        awsCli(c, ['cloudtrail', cliOp], AWS_ENV),
        boto3(
          c,
          `from botocore.exceptions import ClientError
try:
    getattr(boto3.client('cloudtrail', endpoint_url=endpoint), '${cliOp.replace(/-/g, '_')}')()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]))`,
          AWS_ENV,
        ),
      ]);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, new RegExp(`An error occurred \\(NotImplemented\\) when calling the ${op} operation`));
      assert.equal(py.code, 0, py.stderr);
      assert.deepEqual(JSON.parse(py.stdout), ['NotImplemented', 501]);
    });
  });

  describe('rest-json (Lambda)', () => {
    test('a missing required member, an enum and a range: x-amzn-ErrorType and message', async () => {
      const lambda = new LambdaClient(clientConfig(c));
      const code = validationCode(c, 'lambda', 'ValidationException');
      let err = await sdkError(lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Code: {} } as never)));
      assert.equal(err.name, code);
      assert.equal(err.message, "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.$metadata.requestId ?? '', UUID);
      err = await sdkError(lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Role: 'arn:aws:iam::123456789012:role/r', Code: {}, Runtime: 'cobol85' as never })));
      assert.match(err.message, /^1 validation error detected: Value 'cobol85' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[/);
      err = await sdkError(lambda.send(new ListFunctionsCommand({ MaxItems: 0 })));
      assert.equal(err.message, "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");

      const res = await send(c, '/2015-03-31/functions?MaxItems=0', { method: 'GET', headers: { authorization: fakeAuth('lambda') } });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-amzn-errortype'), code);
      assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal((JSON.parse(res.text) as { message: string }).message, err.message);
    });

    test('a path no operation matches: 404 UnknownOperationException', async () => {
      const res = await send(c, '/2015-03-31/unicorns', { method: 'GET', headers: { authorization: fakeAuth('lambda') } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
      assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID);
    });

    test('an operation not served yet: 501 NotImplemented through the SDK, the CLI and boto3', async () => {
      // event source mappings are Lambda's next milestone; when they land, pick another unserved operation
      assert.ok(!serves(c, 'lambda', 'ListEventSourceMappings'), 'ListEventSourceMappings is served now: choose another unserved operation');
      const lambda = new LambdaClient(clientConfig(c));
      const err = await sdkError(lambda.send(new ListEventSourceMappingsCommand({})));
      assert.equal(err.name, 'NotImplemented');
      assert.match(err.message, /ListEventSourceMappings/);
      assert.equal(err.$metadata.httpStatusCode, 501);
      assert.match(err.$metadata.requestId ?? '', UUID);

      const [cli, py] = await Promise.all([
        awsCli(c, ['lambda', 'list-event-source-mappings'], AWS_ENV),
        boto3(
          c,
          `from botocore.exceptions import ClientError
try:
    boto3.client('lambda', endpoint_url=endpoint).list_event_source_mappings()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata'].get('RequestId')]))`,
          AWS_ENV,
        ),
      ]);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /An error occurred \(NotImplemented\) when calling the ListEventSourceMappings operation/);
      assert.equal(py.code, 0, py.stderr);
      const [code, status, requestId] = JSON.parse(py.stdout) as [string, number, string];
      assert.deepEqual([code, status], ['NotImplemented', 501]);
      assert.match(requestId, UUID);
    });
  });

  describe('rest-xml (S3, CloudFront)', () => {
    test("S3's <Error> with x-amz-request-id, read by boto3 and the CLI", async (t) => {
      if (serves(c, 's3', 'ListBuckets')) return t.skip('s3 ListBuckets is served');
      const res = await send(c, '/', { method: 'GET', headers: { authorization: fakeAuth('s3') } });
      assert.equal(res.status, 501);
      assert.equal(res.headers.get('content-type'), 'application/xml');
      const requestId = res.headers.get('x-amz-request-id');
      assert.match(requestId ?? '', UUID);
      assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>NotImplemented<\/Code><Message>[^<]*ListBuckets[^<]*<\/Message><RequestId>[^<]+<\/RequestId><\/Error>$/);
      assert.equal(xmlText(res.text, 'RequestId'), requestId);

      const [cli, py] = await Promise.all([
        awsCli(c, ['s3api', 'list-buckets'], AWS_ENV),
        boto3(
          c,
          `from botocore.exceptions import ClientError
try:
    boto3.client('s3', endpoint_url=endpoint).list_buckets()
except ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata'].get('RequestId')]))`,
          AWS_ENV,
        ),
      ]);
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /An error occurred \(NotImplemented\) when calling the ListBuckets operation/);
      assert.equal(py.code, 0, py.stderr);
      const [code, status, pyRequestId] = JSON.parse(py.stdout) as [string, number, string];
      assert.deepEqual([code, status], ['NotImplemented', 501]);
      assert.match(pyRequestId, UUID);
    });

    test("CloudFront's <ErrorResponse> with Type, Code, Message and RequestId", async (t) => {
      if (serves(c, 'cloudfront', 'ListDistributions')) return t.skip('cloudfront ListDistributions is served');
      const res = await send(c, '/2020-05-31/distribution', { method: 'GET', headers: { authorization: fakeAuth('cloudfront') } });
      assert.equal(res.status, 501);
      assert.match(res.text, /<ErrorResponse( xmlns="[^"]+")?><Error><Type>Receiver<\/Type><Code>NotImplemented<\/Code>/);
      assert.equal(xmlText(res.text, 'RequestId'), res.headers.get('x-amzn-requestid'));
      const bad = await send(c, '/2020-05-31/distribution', { method: 'POST', headers: { authorization: fakeAuth('cloudfront') }, body: '<DistributionConfig><Oops>' });
      assert.equal(bad.status, 400);
      assert.equal(xmlText(bad.text, 'Code'), 'MalformedXML');
    });
  });

  describe('unknown services', () => {
    test('signed for a service no model knows: UnknownService', async () => {
      const res = await query(c, 'unicorn', { Action: 'ListHorns', Version: '2020-01-01' });
      assert.equal(res.status, 400);
      assert.equal(xmlText(res.text, 'Code'), 'UnknownService');
      assert.match(xmlText(res.text, 'Message') ?? '', /unicorn/);
    });

    test('an X-Amz-Target prefix no model knows: UnknownService in JSON', async () => {
      const res = await send(c, '/', { headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'Unicorn_20200101.ListHorns' }, body: '{}' });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.text) as { __type: string }).__type, 'UnknownService');
      assert.match(res.headers.get('x-amzn-requestid') ?? '', UUID);
    });

    test('neither signed nor addressed: UnknownService', async () => {
      const res = await send(c, '/', { body: 'hello' });
      assert.equal(res.status, 400);
      assert.equal(xmlText(res.text, 'Code'), 'UnknownService');
    });
  });
});
