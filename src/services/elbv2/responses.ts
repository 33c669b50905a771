// The responses the load balancer itself gives (not a target's), shaped as AWS's: a small HTML page and
// `Server: awselb/2.0`.
import type http from 'node:http';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  460: '',
  463: '',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function elbPage(status: number): string {
  const title = `${status} ${REASONS[status] ?? ''}`.trim();
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

export function sendElbError(res: http.ServerResponse, status: number, serverHeader = true): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = elbPage(status);
  const headers: Record<string, string> = { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(body)), connection: 'keep-alive' };
  if (serverHeader) headers.server = 'awselb/2.0';
  res.writeHead(status, headers);
  res.end(body);
}

export function sendFixed(res: http.ServerResponse, status: number, contentType: string | undefined, body: string | undefined, serverHeader = true): void {
  const b = Buffer.from(body ?? '', 'utf8');
  const headers: Record<string, string> = { 'content-type': `${contentType ?? 'text/plain'}; charset=utf-8`, 'content-length': String(b.length), connection: 'keep-alive' };
  if (serverHeader) headers.server = 'awselb/2.0';
  res.writeHead(status, headers);
  res.end(b);
}
