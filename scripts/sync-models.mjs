#!/usr/bin/env node
// Refreshes the vendored service models and the service index.
//  - models/<name>.json.gz: the full models (constraints, documentation stripped) of the services Cumulus
//    serves, taken from botocore's data directory (Apache-2.0). aws-sdk v2's min models drop min/max/
//    pattern/enum, which validation needs.
//  - src/generated/service-index.json: every service in aws-sdk v2's apis/ (protocol, prefixes, file),
//    so a request to any AWS service is identified without loading 400 models at startup.
// Usage: node scripts/sync-models.mjs [BOTOCORE_DATA_DIR]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const VENDORED = ['iam', 'sts', 'cloudtrail', 'ec2', 'lambda', 'apigateway', 'apigatewayv2', 'cloudwatch', 'logs',
  'events', 'autoscaling', 'application-autoscaling', 'elbv2', 'elb', 'ecs', 'ecr', 'batch', 'cloudformation',
  'cloudfront', 's3', 'sqs', 'sns', 'dynamodb', 'dynamodbstreams', 'kinesis', 'acm', 'cognito-idp', 'autoscaling-plans'];

function stripDocs(node) {
  if (Array.isArray(node)) return node.map(stripDocs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'documentation' || k === 'documentationUrl' || k === 'examples') continue;
      out[k] = stripDocs(v);
    }
    return out;
  }
  return node;
}

let dataDir = process.argv[2];
if (!dataDir) {
  const py = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.join(os.path.dirname(botocore.__file__),"data"))']);
  dataDir = py.toString().trim();
}
fs.mkdirSync(path.join(root, 'models'), { recursive: true });
const vendoredMeta = new Map();
for (const name of VENDORED) {
  const versions = fs.readdirSync(path.join(dataDir, name)).filter((v) => /^\d{4}-\d\d-\d\d$/.test(v)).sort();
  const dir = path.join(dataDir, name, versions[versions.length - 1]);
  const gz = path.join(dir, 'service-2.json.gz');
  const raw = fs.existsSync(gz) ? zlib.gunzipSync(fs.readFileSync(gz)) : fs.readFileSync(path.join(dir, 'service-2.json'));
  const model = stripDocs(JSON.parse(raw.toString()));
  const pag = path.join(dir, 'paginators-1.json');
  if (fs.existsSync(pag)) model.paginators = JSON.parse(fs.readFileSync(pag, 'utf8')).pagination;
  fs.writeFileSync(path.join(root, 'models', `${name}.json.gz`), zlib.gzipSync(JSON.stringify(model), { level: 9 }));
  vendoredMeta.set(name, model.metadata);
  console.log(`models/${name}.json.gz  ${model.metadata.apiVersion} ${model.metadata.protocol}`);
}

const require = createRequire(import.meta.url);
const apis = path.join(path.dirname(require.resolve('aws-sdk/package.json')), 'apis');
const latest = new Map();
for (const f of fs.readdirSync(apis).filter((f) => f.endsWith('.min.json')).sort()) {
  const id = f.replace(/-\d{4}-\d\d-\d\d\.min\.json$/, '');
  latest.set(id, f);
}
const index = [];
for (const [id, f] of latest) {
  const m = JSON.parse(fs.readFileSync(path.join(apis, f), 'utf8')).metadata;
  index.push({
    id, file: f, protocol: m.protocol, apiVersion: m.apiVersion, endpointPrefix: m.endpointPrefix,
    signingName: m.signingName ?? m.endpointPrefix, targetPrefix: m.targetPrefix, jsonVersion: m.jsonVersion,
    serviceId: m.serviceId, globalEndpoint: m.globalEndpoint ? true : undefined,
  });
}
for (const [name, m] of vendoredMeta) {
  const entry = index.find((e) => e.serviceId === m.serviceId) ?? index.find((e) => e.endpointPrefix === m.endpointPrefix && e.apiVersion === m.apiVersion);
  const fields = {
    id: name, vendored: true, protocol: m.protocol, protocols: m.protocols, apiVersion: m.apiVersion,
    endpointPrefix: m.endpointPrefix, signingName: m.signingName ?? m.endpointPrefix, targetPrefix: m.targetPrefix,
    jsonVersion: m.jsonVersion, serviceId: m.serviceId, awsQueryCompatible: m.awsQueryCompatible ? true : undefined,
  };
  if (entry) { delete entry.file; Object.assign(entry, fields); } else index.push(fields);
}
fs.mkdirSync(path.join(root, 'src', 'generated'), { recursive: true });
fs.writeFileSync(path.join(root, 'src', 'generated', 'service-index.json'), JSON.stringify(index) + '\n');
console.log(`src/generated/service-index.json  ${index.length} services`);
