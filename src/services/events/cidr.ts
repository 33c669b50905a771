// IP address matching for the `cidr` operator of event patterns: IPv4 and IPv6 blocks, parsed to big integers.
import net from 'node:net';
import type { AwsError } from '../../protocol/errors.js';

function ipv4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBig(ip: string): bigint {
  let text = ip;
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBig(v4[1]!);
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(fill).fill('0'), ...tailParts];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

/** A predicate for "is this address inside the block"; `invalid` builds AWS's error for a malformed block. */
export function cidrMatcher(block: string, invalid: (reason: string) => AwsError): (value: string) => boolean {
  const parts = block.split('/');
  if (parts.length !== 2) throw invalid("Malformed CIDR, one '/' required");
  const [addr, maskText] = parts as [string, string];
  if (!/^\d+$/.test(maskText)) throw invalid('Malformed CIDR, mask bits must be an integer');
  const family = net.isIP(addr);
  if (family === 0) throw invalid(`Nonstandard IP address: ${addr}`);
  const bits = family === 4 ? 32 : 128;
  const mask = Number(maskText);
  if (mask > bits) throw invalid(`Nonstandard IP address: ${addr}`);
  const toBig = family === 4 ? ipv4ToBig : ipv6ToBig;
  const shift = BigInt(bits - mask);
  const network = toBig(addr) >> shift;
  return (value) => net.isIP(value) === family && toBig(value) >> shift === network;
}
