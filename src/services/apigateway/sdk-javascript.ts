// The JavaScript SDK GetSdk generates for a stage: apigClient.js (apigClientFactory.newClient(config), one
// method per resource and HTTP method, named as API Gateway names them — /pets/{petId} GET → petsPetIdGet),
// and a README. The client has no dependencies: fetch, and Web Crypto for Signature Version 4 on methods with
// AWS_IAM authorization; it runs in browsers and in Node.js 18+ (as a script or with require()).
import type { ApiDefinition, MethodRecord, ResourceRecord } from './store.js';

interface MethodSpec {
  name: string;
  verb: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  authType: string;
  apiKeyRequired: boolean;
}

const words = (s: string) => s.split(/[^A-Za-z0-9]+/).filter(Boolean);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** API Gateway's method names: the path's parts in camel case (root for /), then the HTTP method. */
export function methodName(path: string, verb: string): string {
  const parts = path.split('/').flatMap((seg) => words(seg.replace(/[{}+]/g, '')));
  const base = parts.length ? parts.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : cap(w))).join('') : 'root';
  return base + cap(verb.toLowerCase());
}

function specOf(r: ResourceRecord, m: MethodRecord): MethodSpec {
  const declared = (where: string) =>
    Object.keys(m.requestParameters ?? {})
      .map((p) => new RegExp(`^method\\.request\\.${where}\\.(.+)$`).exec(p)?.[1])
      .filter((x): x is string => !!x);
  const pathParams = [...r.path.matchAll(/\{([^}+]+)\+?\}/g)].map((x) => x[1]!);
  return {
    name: methodName(r.path, m.httpMethod),
    verb: m.httpMethod,
    path: r.path,
    pathParams,
    queryParams: declared('querystring'),
    headerParams: declared('header'),
    authType: m.authorizationType ?? 'NONE',
    apiKeyRequired: !!m.apiKeyRequired,
  };
}

export function methodSpecs(def: ApiDefinition): MethodSpec[] {
  const out: MethodSpec[] = [];
  for (const r of Object.values(def.resources).sort((a, b) => a.path.localeCompare(b.path))) {
    for (const m of Object.values(r.methods).sort((a, b) => a.httpMethod.localeCompare(b.httpMethod))) out.push(specOf(r, m));
  }
  // two paths that differ only in punctuation would give one name: later ones get a number
  const seen = new Map<string, number>();
  for (const s of out) {
    const n = seen.get(s.name) ?? 0;
    seen.set(s.name, n + 1);
    if (n) s.name = `${s.name}${n + 1}`;
  }
  return out;
}

const RUNTIME = `
  var encoder = new TextEncoder();
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function subtle() {
    var c = root.crypto || (typeof require === 'function' ? require('crypto').webcrypto : undefined);
    if (!c || !c.subtle) throw new Error('Web Crypto is required to sign requests');
    return c.subtle;
  }
  function sha256(text) { return subtle().digest('SHA-256', encoder.encode(text)).then(hex); }
  function hmac(key, text) {
    return subtle().importKey('raw', typeof key === 'string' ? encoder.encode(key) : key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(function (k) { return subtle().sign('HMAC', k, encoder.encode(text)); });
  }
  function uriEncode(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, function (c) { return '%' + c.charCodeAt(0).toString(16).toUpperCase(); });
  }
  // AWS Signature Version 4 for execute-api
  function sign(config, verb, url, headers, payload) {
    var u = new URL(url);
    var amzDate = new Date().toISOString().replace(/[:-]|\\.\\d{3}/g, '');
    var day = amzDate.slice(0, 8);
    var h = {};
    Object.keys(headers).forEach(function (k) { h[k.toLowerCase()] = String(headers[k]); });
    h.host = u.host;
    h['x-amz-date'] = amzDate;
    if (config.sessionToken) h['x-amz-security-token'] = config.sessionToken;
    var names = Object.keys(h).sort();
    var canonicalHeaders = names.map(function (n) { return n + ':' + h[n].trim().replace(/\\s+/g, ' ') + '\\n'; }).join('');
    var query = [];
    u.searchParams.forEach(function (v, k) { query.push([uriEncode(k), uriEncode(v)]); });
    query.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0; });
    // the path as sent (already encoded), encoded once more, as SigV4 wants for every service but S3
    var canonicalPath = u.pathname.split('/').map(uriEncode).join('/');
    var scope = day + '/' + config.region + '/execute-api/aws4_request';
    return sha256(payload || '').then(function (payloadHash) {
      var canonical = [verb, canonicalPath, query.map(function (p) { return p[0] + '=' + p[1]; }).join('&'), canonicalHeaders, names.join(';'), payloadHash].join('\\n');
      return sha256(canonical);
    }).then(function (canonicalHash) {
      var toSign = ['AWS4-HMAC-SHA256', amzDate, scope, canonicalHash].join('\\n');
      return hmac('AWS4' + config.secretKey, day)
        .then(function (k) { return hmac(k, config.region); })
        .then(function (k) { return hmac(k, 'execute-api'); })
        .then(function (k) { return hmac(k, 'aws4_request'); })
        .then(function (k) { return hmac(k, toSign); });
    }).then(function (signature) {
      h.authorization = 'AWS4-HMAC-SHA256 Credential=' + config.accessKey + '/' + scope + ', SignedHeaders=' + names.join(';') + ', Signature=' + hex(signature);
      delete h.host;
      return h;
    });
  }

  function send(config, spec, params, body, additionalParams) {
    params = params || {};
    additionalParams = additionalParams || {};
    var path = spec.path.replace(/\\{([^}+]+)(\\+?)\\}/g, function (_, name, greedy) {
      if (params[name] === undefined) throw new Error('Missing required path parameter: ' + name);
      var v = String(params[name]);
      return greedy ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
    });
    var query = new URLSearchParams();
    spec.queryParams.forEach(function (n) { if (params[n] !== undefined) query.append(n, String(params[n])); });
    var extraQuery = additionalParams.queryParams || {};
    Object.keys(extraQuery).forEach(function (k) { query.append(k, String(extraQuery[k])); });
    var headers = { accept: config.defaultAcceptType };
    spec.headerParams.forEach(function (n) { if (params[n] !== undefined) headers[n.toLowerCase()] = String(params[n]); });
    var extraHeaders = additionalParams.headers || {};
    Object.keys(extraHeaders).forEach(function (k) { headers[k.toLowerCase()] = String(extraHeaders[k]); });
    var payload;
    if (body !== undefined && body !== null && spec.verb !== 'GET' && spec.verb !== 'HEAD') {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (!headers['content-type']) headers['content-type'] = config.defaultContentType;
    }
    if (config.apiKey) headers['x-api-key'] = config.apiKey;
    var qs = query.toString();
    var url = config.invokeUrl.replace(/\\/$/, '') + path + (qs ? '?' + qs : '');
    var verb = spec.verb === 'ANY' ? (additionalParams.method || 'GET').toUpperCase() : spec.verb;
    var ready = spec.authType === 'AWS_IAM' ? sign(config, verb, url, headers, payload) : Promise.resolve(headers);
    return ready.then(function (h) {
      return config.fetch(url, { method: verb, headers: h, body: payload });
    }).then(function (res) {
      return res.text().then(function (text) {
        var out = { status: res.status, statusText: res.statusText, headers: {}, data: text };
        res.headers.forEach(function (v, k) { out.headers[k] = v; });
        if (/json/i.test(res.headers.get('content-type') || '')) {
          try { out.data = JSON.parse(text); } catch (e) { /* not JSON after all: kept as text */ }
        }
        if (res.status >= 400) {
          var err = new Error('Request failed with status code ' + res.status);
          err.response = out;
          throw err;
        }
        return out;
      });
    });
  }
`;

export function apigClientJs(meta: { apiName: string; apiId: string; stage: string; region: string; invokeUrl: string; generated: string }, specs: MethodSpec[]): string {
  const methods = specs
    .map((s) => {
      const { name, ...spec } = s;
      return `  /** ${s.verb} ${s.path}${s.authType !== 'NONE' ? ` (authorization: ${s.authType})` : ''}${s.apiKeyRequired ? ' (API key required)' : ''} */
    apigClient.${name} = function (params, body, additionalParams) {
      return send(config, ${JSON.stringify(spec)}, params, body, additionalParams);
    };`;
    })
    .join('\n\n  ');
  return `/*
 * JavaScript client for the API ${JSON.stringify(meta.apiName)} (${meta.apiId}), stage ${meta.stage}.
 * Generated by API Gateway (Cumulus) on ${meta.generated}.
 */
(function (root) {
  'use strict';
${RUNTIME}
  var apigClientFactory = {};
  apigClientFactory.newClient = function (config) {
    config = Object.assign({
      accessKey: '',
      secretKey: '',
      sessionToken: '',
      region: ${JSON.stringify(meta.region)},
      apiKey: undefined,
      defaultContentType: 'application/json',
      defaultAcceptType: 'application/json',
      invokeUrl: ${JSON.stringify(meta.invokeUrl)},
      fetch: function (url, init) { return root.fetch(url, init); }
    }, config || {});
    var apigClient = {};

  ${methods}

    return apigClient;
  };

  if (typeof module === 'object' && module.exports) module.exports = apigClientFactory;
  root.apigClientFactory = apigClientFactory;
})(typeof globalThis !== 'undefined' ? globalThis : this);
`;
}

export function readme(meta: { apiName: string; stage: string; invokeUrl: string }, specs: MethodSpec[]): string {
  const first = specs[0];
  return `# JavaScript SDK for ${meta.apiName} (stage ${meta.stage})

Calls ${meta.invokeUrl}

## Use

In a browser:

\`\`\`html
<script src="apigClient.js"></script>
<script>
  var apigClient = apigClientFactory.newClient({ apiKey: 'optional-api-key' });
</script>
\`\`\`

In Node.js 18 or later:

\`\`\`js
const apigClientFactory = require('./apigClient.js');
const apigClient = apigClientFactory.newClient();
\`\`\`

Every method takes \`(params, body, additionalParams)\`: \`params\` holds path, query string and header
parameters by name, \`body\` is sent as JSON (or as is when a string), \`additionalParams\` may add
\`headers\` and \`queryParams\` (and \`method\` for ANY methods). It returns a promise of
\`{ status, headers, data }\`; a status of 400 or more rejects with an error whose \`response\` is that.
${first ? `\n\`\`\`js\napigClient.${first.name}(${first.pathParams.length ? `{ ${first.pathParams.map((p) => `${p}: '…'`).join(', ')} }` : '{}'}, undefined, {})\n  .then((res) => console.log(res.status, res.data));\n\`\`\`\n` : ''}
For methods with AWS_IAM authorization, give \`accessKey\`, \`secretKey\` (and \`sessionToken\`) and
\`region\` in the config: requests are signed with Signature Version 4.

## Methods

${specs.map((s) => `- \`${s.name}\`: ${s.verb} ${s.path}${s.authType !== 'NONE' ? ` (${s.authType})` : ''}${s.apiKeyRequired ? ' (API key)' : ''}`).join('\n') || '(the API has no methods)'}
`;
}
