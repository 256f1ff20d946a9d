/** What an image is built for: CPU instances, or GPU (CUDA) instances. */
export type Processor = 'cpu' | 'gpu';

/**
 * The processor an instance type has, as the SageMaker SDK decides it (`image_uris._processor`):
 * families starting with `g` or `p` (ml.g5, ml.p4d, ...) have NVIDIA GPUs; `inf` and `trn` have
 * AWS Neuron accelerators, which neither CPU nor GPU images run on; every other family is CPU.
 */
export function instanceProcessor(instanceType: string): Processor | 'neuron' {
  const family = /^ml\.([a-z0-9-]+)\./.exec(instanceType)?.[1] ?? '';
  if (family.startsWith('inf') || family.startsWith('trn')) return 'neuron';
  return family.startsWith('g') || family.startsWith('p') ? 'gpu' : 'cpu';
}
