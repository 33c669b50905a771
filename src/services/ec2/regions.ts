// The commercial regions and their availability zones, as EC2 lists them.

/** region → number of zones (letters a, b, c … unless listed) */
const REGIONS: Record<string, { zones: number | string; optIn?: boolean }> = {
  'us-east-1': { zones: 6 },
  'us-east-2': { zones: 3 },
  'us-west-1': { zones: 'ac' },
  'us-west-2': { zones: 4 },
  'af-south-1': { zones: 3, optIn: true },
  'ap-east-1': { zones: 3, optIn: true },
  'ap-south-1': { zones: 3 },
  'ap-south-2': { zones: 3, optIn: true },
  'ap-southeast-1': { zones: 3 },
  'ap-southeast-2': { zones: 3 },
  'ap-southeast-3': { zones: 3, optIn: true },
  'ap-southeast-4': { zones: 3, optIn: true },
  'ap-southeast-5': { zones: 3, optIn: true },
  'ap-southeast-7': { zones: 3, optIn: true },
  'ap-northeast-1': { zones: 'acd' },
  'ap-northeast-2': { zones: 4 },
  'ap-northeast-3': { zones: 3 },
  'ca-central-1': { zones: 'abd' },
  'ca-west-1': { zones: 3, optIn: true },
  'eu-central-1': { zones: 3 },
  'eu-central-2': { zones: 3, optIn: true },
  'eu-west-1': { zones: 3 },
  'eu-west-2': { zones: 3 },
  'eu-west-3': { zones: 3 },
  'eu-south-1': { zones: 3, optIn: true },
  'eu-south-2': { zones: 3, optIn: true },
  'eu-north-1': { zones: 3 },
  'il-central-1': { zones: 3, optIn: true },
  'me-south-1': { zones: 3, optIn: true },
  'me-central-1': { zones: 3, optIn: true },
  'mx-central-1': { zones: 3, optIn: true },
  'sa-east-1': { zones: 3 },
};

const DIRECTIONS: Record<string, string> = {
  north: 'n', south: 's', east: 'e', west: 'w', central: 'c',
  northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

/** use1, euc1, apse2 … */
export function regionAbbreviation(region: string): string {
  const parts = region.split('-');
  const num = parts.pop() ?? '1';
  const dir = parts.length > 1 ? (DIRECTIONS[parts[parts.length - 1]!] ?? parts[parts.length - 1]!.slice(0, 1)) : '';
  return `${parts[0]}${dir}${num}`;
}

export function regionNames(): string[] {
  return Object.keys(REGIONS);
}

export function isOptInRegion(region: string): boolean {
  return REGIONS[region]?.optIn === true;
}

const zoneCache = new Map<string, { ZoneName: string; ZoneId: string }[]>();

/** The region's zones, e.g. us-east-1a … us-east-1f with ids use1-az1 …; unknown regions get three. */
export function availabilityZones(region: string): { ZoneName: string; ZoneId: string }[] {
  let zones = zoneCache.get(region);
  if (zones) return zones;
  const spec = REGIONS[region]?.zones ?? 3;
  const letters = typeof spec === 'string' ? spec.split('') : 'abcdefghij'.slice(0, spec).split('');
  const abbr = regionAbbreviation(region);
  zones = letters.map((l) => ({ ZoneName: `${region}${l}`, ZoneId: `${abbr}-az${l.charCodeAt(0) - 96}` }));
  zoneCache.set(region, zones);
  return zones;
}
