// On-demand list prices (USD per hour, Linux/UNIX, us-east-1) of the catalog's types: the base of the
// simulated spot market and of what an instance costs. Published AWS prices as of 2024; a few (older or
// rarely used sizes) are approximate. Other regions use these prices too (AWS's differ by a few percent).
const US_EAST_1: Record<string, number> = {
  't2.nano': 0.0058, 't2.micro': 0.0116, 't2.small': 0.023, 't2.medium': 0.0464, 't2.large': 0.0928, 't2.xlarge': 0.1856, 't2.2xlarge': 0.3712,
  't3.nano': 0.0052, 't3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 't3.xlarge': 0.1664, 't3.2xlarge': 0.3328,
  't4g.nano': 0.0042, 't4g.micro': 0.0084, 't4g.small': 0.0168, 't4g.medium': 0.0336, 't4g.large': 0.0672, 't4g.xlarge': 0.1344, 't4g.2xlarge': 0.2688,
  'm4.large': 0.1, 'm4.xlarge': 0.2, 'm4.2xlarge': 0.4, 'm4.4xlarge': 0.8, 'm4.10xlarge': 2.0, 'm4.16xlarge': 3.2,
  'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384, 'm5.4xlarge': 0.768, 'm5.8xlarge': 1.536, 'm5.12xlarge': 2.304, 'm5.16xlarge': 3.072, 'm5.24xlarge': 4.608,
  'm5d.large': 0.113, 'm5d.xlarge': 0.226, 'm5d.2xlarge': 0.452, 'm5d.4xlarge': 0.904, 'm5d.8xlarge': 1.808, 'm5d.12xlarge': 2.712, 'm5d.16xlarge': 3.616, 'm5d.24xlarge': 5.424,
  'm6i.large': 0.096, 'm6i.xlarge': 0.192, 'm6i.2xlarge': 0.384, 'm6i.4xlarge': 0.768, 'm6i.8xlarge': 1.536, 'm6i.12xlarge': 2.304, 'm6i.16xlarge': 3.072, 'm6i.24xlarge': 4.608, 'm6i.32xlarge': 6.144,
  'm7i.large': 0.1008, 'm7i.xlarge': 0.2016, 'm7i.2xlarge': 0.4032, 'm7i.4xlarge': 0.8064, 'm7i.8xlarge': 1.6128, 'm7i.12xlarge': 2.4192, 'm7i.16xlarge': 3.2256, 'm7i.24xlarge': 4.8384, 'm7i.48xlarge': 9.6768,
  'c4.large': 0.1, 'c4.xlarge': 0.199, 'c4.2xlarge': 0.398, 'c4.4xlarge': 0.796, 'c4.8xlarge': 1.591,
  'c5.large': 0.085, 'c5.xlarge': 0.17, 'c5.2xlarge': 0.34, 'c5.4xlarge': 0.68, 'c5.9xlarge': 1.53, 'c5.12xlarge': 2.04, 'c5.18xlarge': 3.06, 'c5.24xlarge': 4.08,
  'c6i.large': 0.085, 'c6i.xlarge': 0.17, 'c6i.2xlarge': 0.34, 'c6i.4xlarge': 0.68, 'c6i.8xlarge': 1.36, 'c6i.12xlarge': 2.04, 'c6i.16xlarge': 2.72, 'c6i.24xlarge': 4.08, 'c6i.32xlarge': 5.44,
  'c7i.large': 0.08925, 'c7i.xlarge': 0.1785, 'c7i.2xlarge': 0.357, 'c7i.4xlarge': 0.714, 'c7i.8xlarge': 1.428, 'c7i.12xlarge': 2.142, 'c7i.16xlarge': 2.856, 'c7i.24xlarge': 4.284, 'c7i.48xlarge': 8.568,
  'r4.large': 0.133, 'r4.xlarge': 0.266, 'r4.2xlarge': 0.532, 'r4.4xlarge': 1.064, 'r4.8xlarge': 2.128, 'r4.16xlarge': 4.256,
  'r5.large': 0.126, 'r5.xlarge': 0.252, 'r5.2xlarge': 0.504, 'r5.4xlarge': 1.008, 'r5.8xlarge': 2.016, 'r5.12xlarge': 3.024, 'r5.16xlarge': 4.032, 'r5.24xlarge': 6.048,
  'r6i.large': 0.126, 'r6i.xlarge': 0.252, 'r6i.2xlarge': 0.504, 'r6i.4xlarge': 1.008, 'r6i.8xlarge': 2.016, 'r6i.12xlarge': 3.024, 'r6i.16xlarge': 4.032, 'r6i.24xlarge': 6.048, 'r6i.32xlarge': 8.064,
  'x1.16xlarge': 6.669, 'x1.32xlarge': 13.338,
  'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g4dn.4xlarge': 1.204, 'g4dn.8xlarge': 2.176, 'g4dn.12xlarge': 3.912, 'g4dn.16xlarge': 4.352,
  'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g5.4xlarge': 1.624, 'g5.8xlarge': 2.448, 'g5.12xlarge': 5.672, 'g5.16xlarge': 4.096, 'g5.24xlarge': 8.144, 'g5.48xlarge': 16.288,
  'p3.2xlarge': 3.06, 'p3.8xlarge': 12.24, 'p3.16xlarge': 24.48,
  'p4d.24xlarge': 32.7726,
  'i3.large': 0.156, 'i3.xlarge': 0.312, 'i3.2xlarge': 0.624, 'i3.4xlarge': 1.248, 'i3.8xlarge': 2.496, 'i3.16xlarge': 4.992,
  'i4i.large': 0.172, 'i4i.xlarge': 0.343, 'i4i.2xlarge': 0.686, 'i4i.4xlarge': 1.373, 'i4i.8xlarge': 2.746, 'i4i.16xlarge': 5.491, 'i4i.32xlarge': 10.982,
  'd2.xlarge': 0.69, 'd2.2xlarge': 1.38, 'd2.4xlarge': 2.76, 'd2.8xlarge': 5.52,
  'd3.xlarge': 0.499, 'd3.2xlarge': 0.999, 'd3.4xlarge': 1.998, 'd3.8xlarge': 3.995,
};

/** The on-demand hourly price of a type (USD), or undefined for a type outside the table. */
export function onDemandPrice(instanceType: string): number | undefined {
  return US_EAST_1[instanceType];
}
