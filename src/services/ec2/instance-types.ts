// The instance type catalog (real vCPU, memory, instance storage and network figures) and
// DescribeInstanceTypes / DescribeInstanceTypeOfferings over it.
import type { Ec2Operations, InstanceTypeInfo, InstanceTypeOffering } from '../../generated/ec2.js';
import { AwsError } from '../../protocol/errors.js';
import type { Handlers } from '../define.js';
import { applyFilters, pageOf } from './filters.js';
import { availabilityZones } from './network.js';

type TypeName = NonNullable<InstanceTypeInfo['InstanceType']>;

export interface InstanceTypeSpec {
  name: string;
  vcpus: number;
  memoryMiB: number;
  /** [count, GB each, type] when the type has instance storage */
  storage?: [number, number, 'ssd' | 'hdd'];
  network: string;
  arch: 'x86_64' | 'arm64';
  hypervisor: 'nitro' | 'xen';
  burstable: boolean;
  currentGeneration: boolean;
  freeTier: boolean;
  gpus?: [number, string, string, number];
}

interface Family {
  family: string;
  arch?: 'x86_64' | 'arm64';
  hypervisor: 'nitro' | 'xen';
  burstable?: boolean;
  previous?: boolean;
  disk?: 'ssd' | 'hdd';
  /** GPUs: per size index count, and [name, manufacturer, memory MiB per GPU] */
  gpu?: [string, string, number];
  /** size, vCPUs, memory MiB, network, [disk count, GB each], gpu count */
  sizes: Array<[string, number, number, string, ([number, number] | null)?, number?]>;
}

const UP10 = 'Up to 10 Gigabit';
const UP125 = 'Up to 12.5 Gigabit';
const UP5 = 'Up to 5 Gigabit';
const LtM = 'Low to Moderate';

const FAMILIES: Family[] = [
  { family: 't2', hypervisor: 'xen', burstable: true, sizes: [['nano', 1, 512, LtM], ['micro', 1, 1024, LtM], ['small', 1, 2048, LtM], ['medium', 2, 4096, LtM], ['large', 2, 8192, LtM], ['xlarge', 4, 16384, 'Moderate'], ['2xlarge', 8, 32768, 'Moderate']] },
  { family: 't3', hypervisor: 'nitro', burstable: true, sizes: [['nano', 2, 512, UP5], ['micro', 2, 1024, UP5], ['small', 2, 2048, UP5], ['medium', 2, 4096, UP5], ['large', 2, 8192, UP5], ['xlarge', 4, 16384, UP5], ['2xlarge', 8, 32768, UP5]] },
  { family: 't4g', arch: 'arm64', hypervisor: 'nitro', burstable: true, sizes: [['nano', 2, 512, UP5], ['micro', 2, 1024, UP5], ['small', 2, 2048, UP5], ['medium', 2, 4096, UP5], ['large', 2, 8192, UP5], ['xlarge', 4, 16384, UP5], ['2xlarge', 8, 32768, UP5]] },
  { family: 'm4', hypervisor: 'xen', sizes: [['large', 2, 8192, 'Moderate'], ['xlarge', 4, 16384, 'High'], ['2xlarge', 8, 32768, 'High'], ['4xlarge', 16, 65536, 'High'], ['10xlarge', 40, 163840, '10 Gigabit'], ['16xlarge', 64, 262144, '25 Gigabit']] },
  { family: 'm5', hypervisor: 'nitro', sizes: [['large', 2, 8192, UP10], ['xlarge', 4, 16384, UP10], ['2xlarge', 8, 32768, UP10], ['4xlarge', 16, 65536, UP10], ['8xlarge', 32, 131072, '10 Gigabit'], ['12xlarge', 48, 196608, '12 Gigabit'], ['16xlarge', 64, 262144, '20 Gigabit'], ['24xlarge', 96, 393216, '25 Gigabit']] },
  { family: 'm5d', hypervisor: 'nitro', disk: 'ssd', sizes: [['large', 2, 8192, UP10, [1, 75]], ['xlarge', 4, 16384, UP10, [1, 150]], ['2xlarge', 8, 32768, UP10, [1, 300]], ['4xlarge', 16, 65536, UP10, [2, 300]], ['8xlarge', 32, 131072, '10 Gigabit', [2, 600]], ['12xlarge', 48, 196608, '12 Gigabit', [2, 900]], ['16xlarge', 64, 262144, '20 Gigabit', [4, 600]], ['24xlarge', 96, 393216, '25 Gigabit', [4, 900]]] },
  { family: 'm6i', hypervisor: 'nitro', sizes: [['large', 2, 8192, UP125], ['xlarge', 4, 16384, UP125], ['2xlarge', 8, 32768, UP125], ['4xlarge', 16, 65536, UP125], ['8xlarge', 32, 131072, '12.5 Gigabit'], ['12xlarge', 48, 196608, '18.75 Gigabit'], ['16xlarge', 64, 262144, '25 Gigabit'], ['24xlarge', 96, 393216, '37.5 Gigabit'], ['32xlarge', 128, 524288, '50 Gigabit']] },
  { family: 'm7i', hypervisor: 'nitro', sizes: [['large', 2, 8192, UP125], ['xlarge', 4, 16384, UP125], ['2xlarge', 8, 32768, UP125], ['4xlarge', 16, 65536, UP125], ['8xlarge', 32, 131072, '12.5 Gigabit'], ['12xlarge', 48, 196608, '18.75 Gigabit'], ['16xlarge', 64, 262144, '25 Gigabit'], ['24xlarge', 96, 393216, '37.5 Gigabit'], ['48xlarge', 192, 786432, '50 Gigabit']] },
  { family: 'c4', hypervisor: 'xen', previous: true, sizes: [['large', 2, 3840, 'Moderate'], ['xlarge', 4, 7680, 'High'], ['2xlarge', 8, 15360, 'High'], ['4xlarge', 16, 30720, 'High'], ['8xlarge', 36, 61440, '10 Gigabit']] },
  { family: 'c5', hypervisor: 'nitro', sizes: [['large', 2, 4096, UP10], ['xlarge', 4, 8192, UP10], ['2xlarge', 8, 16384, UP10], ['4xlarge', 16, 32768, UP10], ['9xlarge', 36, 73728, '12 Gigabit'], ['12xlarge', 48, 98304, '12 Gigabit'], ['18xlarge', 72, 147456, '25 Gigabit'], ['24xlarge', 96, 196608, '25 Gigabit']] },
  { family: 'c6i', hypervisor: 'nitro', sizes: [['large', 2, 4096, UP125], ['xlarge', 4, 8192, UP125], ['2xlarge', 8, 16384, UP125], ['4xlarge', 16, 32768, UP125], ['8xlarge', 32, 65536, '12.5 Gigabit'], ['12xlarge', 48, 98304, '18.75 Gigabit'], ['16xlarge', 64, 131072, '25 Gigabit'], ['24xlarge', 96, 196608, '37.5 Gigabit'], ['32xlarge', 128, 262144, '50 Gigabit']] },
  { family: 'c7i', hypervisor: 'nitro', sizes: [['large', 2, 4096, UP125], ['xlarge', 4, 8192, UP125], ['2xlarge', 8, 16384, UP125], ['4xlarge', 16, 32768, UP125], ['8xlarge', 32, 65536, '12.5 Gigabit'], ['12xlarge', 48, 98304, '18.75 Gigabit'], ['16xlarge', 64, 131072, '25 Gigabit'], ['24xlarge', 96, 196608, '37.5 Gigabit'], ['48xlarge', 192, 393216, '50 Gigabit']] },
  { family: 'r4', hypervisor: 'xen', previous: true, sizes: [['large', 2, 15616, UP10], ['xlarge', 4, 31232, UP10], ['2xlarge', 8, 62464, UP10], ['4xlarge', 16, 124928, UP10], ['8xlarge', 32, 249856, '10 Gigabit'], ['16xlarge', 64, 499712, '25 Gigabit']] },
  { family: 'r5', hypervisor: 'nitro', sizes: [['large', 2, 16384, UP10], ['xlarge', 4, 32768, UP10], ['2xlarge', 8, 65536, UP10], ['4xlarge', 16, 131072, UP10], ['8xlarge', 32, 262144, '10 Gigabit'], ['12xlarge', 48, 393216, '10 Gigabit'], ['16xlarge', 64, 524288, '20 Gigabit'], ['24xlarge', 96, 786432, '25 Gigabit']] },
  { family: 'r6i', hypervisor: 'nitro', sizes: [['large', 2, 16384, UP125], ['xlarge', 4, 32768, UP125], ['2xlarge', 8, 65536, UP125], ['4xlarge', 16, 131072, UP125], ['8xlarge', 32, 262144, '12.5 Gigabit'], ['12xlarge', 48, 393216, '18.75 Gigabit'], ['16xlarge', 64, 524288, '25 Gigabit'], ['24xlarge', 96, 786432, '37.5 Gigabit'], ['32xlarge', 128, 1048576, '50 Gigabit']] },
  { family: 'x1', hypervisor: 'xen', disk: 'ssd', sizes: [['16xlarge', 64, 999424, '10 Gigabit', [1, 1920]], ['32xlarge', 128, 1998848, '25 Gigabit', [2, 1920]]] },
  { family: 'g4dn', hypervisor: 'nitro', disk: 'ssd', gpu: ['T4', 'NVIDIA', 16384], sizes: [['xlarge', 4, 16384, 'Up to 25 Gigabit', [1, 125], 1], ['2xlarge', 8, 32768, 'Up to 25 Gigabit', [1, 225], 1], ['4xlarge', 16, 65536, 'Up to 25 Gigabit', [1, 225], 1], ['8xlarge', 32, 131072, '50 Gigabit', [1, 900], 1], ['12xlarge', 48, 196608, '50 Gigabit', [1, 900], 4], ['16xlarge', 64, 262144, '50 Gigabit', [1, 900], 1]] },
  { family: 'g5', hypervisor: 'nitro', disk: 'ssd', gpu: ['A10G', 'NVIDIA', 24576], sizes: [['xlarge', 4, 16384, UP10, [1, 250], 1], ['2xlarge', 8, 32768, UP10, [1, 450], 1], ['4xlarge', 16, 65536, 'Up to 25 Gigabit', [1, 600], 1], ['8xlarge', 32, 131072, '25 Gigabit', [1, 900], 1], ['12xlarge', 48, 196608, '40 Gigabit', [1, 3800], 4], ['16xlarge', 64, 262144, '25 Gigabit', [1, 1900], 1], ['24xlarge', 96, 393216, '50 Gigabit', [1, 3800], 4], ['48xlarge', 192, 786432, '100 Gigabit', [2, 3800], 8]] },
  { family: 'p3', hypervisor: 'xen', gpu: ['V100', 'NVIDIA', 16384], sizes: [['2xlarge', 8, 62464, UP10, null, 1], ['8xlarge', 32, 249856, '10 Gigabit', null, 4], ['16xlarge', 64, 499712, '25 Gigabit', null, 8]] },
  { family: 'p4d', hypervisor: 'nitro', disk: 'ssd', gpu: ['A100', 'NVIDIA', 40960], sizes: [['24xlarge', 96, 1179648, '4x 100 Gigabit', [8, 1000], 8]] },
  { family: 'i3', hypervisor: 'xen', disk: 'ssd', sizes: [['large', 2, 15616, UP10, [1, 475]], ['xlarge', 4, 31232, UP10, [1, 950]], ['2xlarge', 8, 62464, UP10, [1, 1900]], ['4xlarge', 16, 124928, UP10, [2, 1900]], ['8xlarge', 32, 249856, '10 Gigabit', [4, 1900]], ['16xlarge', 64, 499712, '25 Gigabit', [8, 1900]]] },
  { family: 'i4i', hypervisor: 'nitro', disk: 'ssd', sizes: [['large', 2, 16384, UP10, [1, 468]], ['xlarge', 4, 32768, UP10, [1, 937]], ['2xlarge', 8, 65536, 'Up to 12 Gigabit', [1, 1875]], ['4xlarge', 16, 131072, 'Up to 25 Gigabit', [1, 3750]], ['8xlarge', 32, 262144, '18.75 Gigabit', [2, 3750]], ['16xlarge', 64, 524288, '37.5 Gigabit', [4, 3750]], ['32xlarge', 128, 1048576, '75 Gigabit', [8, 3750]]] },
  { family: 'd2', hypervisor: 'xen', disk: 'hdd', previous: true, sizes: [['xlarge', 4, 31232, 'Moderate', [3, 2000]], ['2xlarge', 8, 62464, 'High', [6, 2000]], ['4xlarge', 16, 124928, 'High', [12, 2000]], ['8xlarge', 36, 249856, '10 Gigabit', [24, 2000]]] },
  { family: 'd3', hypervisor: 'nitro', disk: 'hdd', sizes: [['xlarge', 4, 32768, 'Up to 15 Gigabit', [3, 1980]], ['2xlarge', 8, 65536, 'Up to 15 Gigabit', [6, 1980]], ['4xlarge', 16, 131072, 'Up to 15 Gigabit', [12, 1980]], ['8xlarge', 32, 262144, '25 Gigabit', [24, 1980]]] },
];

const CATALOG = new Map<string, InstanceTypeSpec>();
for (const f of FAMILIES) {
  for (const [size, vcpus, memoryMiB, network, disks, gpuCount] of f.sizes) {
    const name = `${f.family}.${size}`;
    CATALOG.set(name, {
      name,
      vcpus,
      memoryMiB,
      storage: disks ? [disks[0], disks[1], f.disk ?? 'ssd'] : undefined,
      network,
      arch: f.arch ?? 'x86_64',
      hypervisor: f.hypervisor,
      burstable: !!f.burstable,
      currentGeneration: !f.previous,
      freeTier: name === 't2.micro' || name === 't3.micro',
      gpus: f.gpu && gpuCount ? [gpuCount, f.gpu[0], f.gpu[1], f.gpu[2]] : undefined,
    });
  }
}

export function instanceTypeSpec(name: string): InstanceTypeSpec | undefined {
  return CATALOG.get(name);
}

export function allInstanceTypes(): InstanceTypeSpec[] {
  return [...CATALOG.values()];
}

/** RunInstances' check of the requested type. */
export function requireInstanceType(name: string): InstanceTypeSpec {
  const spec = CATALOG.get(name);
  if (!spec) throw new AwsError('InvalidParameterValue', `Invalid value '${name}' for InstanceType.`);
  return spec;
}

/** Root device types a type can boot from: instance store only when it has instance storage or is an older Xen type. */
export function supportedRootDeviceTypes(spec: InstanceTypeSpec): Array<'ebs' | 'instance-store'> {
  return spec.storage || (spec.hypervisor === 'xen' && !spec.burstable) ? ['ebs', 'instance-store'] : ['ebs'];
}

export function instanceTypeInfo(spec: InstanceTypeSpec): InstanceTypeInfo {
  const threads = spec.arch === 'arm64' || spec.name.startsWith('t2.') || spec.vcpus === 1 ? 1 : 2;
  const cores = spec.vcpus / threads;
  const info: InstanceTypeInfo = {
    InstanceType: spec.name as TypeName,
    CurrentGeneration: spec.currentGeneration,
    FreeTierEligible: spec.freeTier,
    SupportedUsageClasses: ['on-demand', 'spot'],
    SupportedRootDeviceTypes: supportedRootDeviceTypes(spec),
    SupportedVirtualizationTypes: spec.hypervisor === 'xen' ? ['hvm', 'paravirtual'] : ['hvm'],
    BareMetal: false,
    Hypervisor: spec.hypervisor,
    ProcessorInfo: {
      SupportedArchitectures: spec.arch === 'arm64' ? ['arm64'] : ['i386', 'x86_64'].filter((a) => a === 'x86_64' || spec.hypervisor === 'xen') as Array<'i386' | 'x86_64'>,
      SustainedClockSpeedInGhz: spec.arch === 'arm64' ? 2.5 : spec.hypervisor === 'xen' ? 2.3 : 3.1,
      Manufacturer: spec.arch === 'arm64' ? 'AWS' : 'Intel',
    },
    VCpuInfo: { DefaultVCpus: spec.vcpus, DefaultCores: cores, DefaultThreadsPerCore: threads },
    MemoryInfo: { SizeInMiB: spec.memoryMiB },
    InstanceStorageSupported: !!spec.storage,
    EbsInfo: {
      EbsOptimizedSupport: spec.hypervisor === 'nitro' ? 'default' : 'supported',
      EncryptionSupport: 'supported',
      NvmeSupport: spec.hypervisor === 'nitro' ? 'required' : 'unsupported',
    },
    NetworkInfo: {
      NetworkPerformance: spec.network,
      MaximumNetworkInterfaces: Math.min(15, Math.max(2, Math.ceil(spec.vcpus / 4) + 1)),
      MaximumNetworkCards: 1,
      DefaultNetworkCardIndex: 0,
      Ipv4AddressesPerInterface: Math.min(50, Math.max(2, spec.vcpus * 3)),
      Ipv6AddressesPerInterface: Math.min(50, Math.max(2, spec.vcpus * 3)),
      Ipv6Supported: true,
      EnaSupport: spec.hypervisor === 'nitro' ? 'required' : spec.name.startsWith('t2.') || spec.name.startsWith('c4.') || spec.name.startsWith('d2.') ? 'unsupported' : 'supported',
      EfaSupported: false,
      EncryptionInTransitSupported: spec.hypervisor === 'nitro' && !spec.burstable,
    },
    PlacementGroupInfo: { SupportedStrategies: spec.burstable ? ['partition', 'spread'] : ['cluster', 'partition', 'spread'] },
    HibernationSupported: !spec.storage && !spec.gpus,
    BurstablePerformanceSupported: spec.burstable,
    DedicatedHostsSupported: !spec.burstable,
    AutoRecoverySupported: !spec.storage,
    SupportedBootModes: spec.arch === 'arm64' ? ['uefi'] : spec.hypervisor === 'nitro' ? ['legacy-bios', 'uefi'] : ['legacy-bios'],
    NitroEnclavesSupport: spec.hypervisor === 'nitro' && spec.vcpus >= 4 && !spec.burstable ? 'supported' : 'unsupported',
    NitroTpmSupport: spec.hypervisor === 'nitro' ? 'supported' : 'unsupported',
  };
  if (spec.storage) {
    const [count, size, type] = spec.storage;
    info.InstanceStorageInfo = {
      TotalSizeInGB: count * size,
      Disks: [{ Count: count, SizeInGB: size, Type: type }],
      NvmeSupport: spec.hypervisor === 'nitro' || spec.name.startsWith('i3.') ? 'required' : 'unsupported',
      EncryptionSupport: spec.hypervisor === 'nitro' ? 'required' : 'unsupported',
    };
  }
  if (spec.gpus) {
    const [count, name, manufacturer, mem] = spec.gpus;
    info.GpuInfo = { Gpus: [{ Name: name, Manufacturer: manufacturer, Count: count, MemoryInfo: { SizeInMiB: mem } }], TotalGpuMemoryInMiB: count * mem };
  }
  return info;
}

/** Filter accessors for DescribeInstanceTypes. */
export const instanceTypeFilterAccessors: Record<string, (s: InstanceTypeSpec) => string | string[] | undefined> = {
  'instance-type': (s) => s.name,
  'current-generation': (s) => String(s.currentGeneration),
  'free-tier-eligible': (s) => String(s.freeTier),
  'burstable-performance-supported': (s) => String(s.burstable),
  'hypervisor': (s) => s.hypervisor,
  'instance-storage-supported': (s) => String(!!s.storage),
  'instance-storage-info.disk.type': (s) => s.storage?.[2],
  'instance-storage-info.total-size-in-gb': (s) => (s.storage ? String(s.storage[0] * s.storage[1]) : undefined),
  'memory-info.size-in-mib': (s) => String(s.memoryMiB),
  'vcpu-info.default-vcpus': (s) => String(s.vcpus),
  'processor-info.supported-architecture': (s) => (s.arch === 'arm64' ? 'arm64' : s.hypervisor === 'xen' ? ['i386', 'x86_64'] : 'x86_64'),
  'supported-root-device-type': (s) => supportedRootDeviceTypes(s),
  'supported-virtualization-type': (s) => (s.hypervisor === 'xen' ? ['hvm', 'paravirtual'] : 'hvm'),
  'supported-usage-class': () => ['on-demand', 'spot'],
  'network-info.network-performance': (s) => s.network,
  'bare-metal': () => 'false',
};

export const instanceTypeHandlers: Handlers<Ec2Operations> = {
  DescribeInstanceTypes(_ctx, input) {
    let specs = allInstanceTypes();
    if (input.InstanceTypes?.length) {
      const unknown = input.InstanceTypes.filter((t) => !CATALOG.has(t));
      if (unknown.length) {
        throw new AwsError('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
      }
      specs = specs.filter((s) => input.InstanceTypes!.includes(s.name as TypeName));
    }
    specs = applyFilters(specs, input.Filters, instanceTypeFilterAccessors);
    const page = pageOf(specs, input, (s) => s.name, { defaultMax: 100 });
    return { InstanceTypes: page.items.map(instanceTypeInfo), NextToken: page.NextToken };
  },
  DescribeInstanceTypeOfferings(ctx, input) {
    const locationType = input.LocationType ?? 'region';
    const offerings: InstanceTypeOffering[] = [];
    for (const spec of allInstanceTypes()) {
      const InstanceType = spec.name as TypeName;
      if (locationType === 'region') offerings.push({ InstanceType, LocationType: 'region', Location: ctx.region });
      else if (locationType === 'availability-zone' || locationType === 'availability-zone-id') {
        for (const z of availabilityZones(ctx.region)) offerings.push({ InstanceType, LocationType: locationType, Location: locationType === 'availability-zone' ? z.ZoneName : z.ZoneId });
      }
    }
    const filtered = applyFilters(offerings, input.Filters, {
      'instance-type': (o) => o.InstanceType,
      location: (o) => o.Location,
    });
    const page = pageOf(filtered, input, (o) => `${o.InstanceType}@${o.Location}`, { defaultMax: 1000 });
    return { InstanceTypeOfferings: page.items, NextToken: page.NextToken };
  },
};
