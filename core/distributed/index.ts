/**
 * Experiments beyond one workstation: cells on a lab queue (BullMQ on the lab's Redis server),
 * trained by `drmm worker` on other machines, recorded by the host as if they had run locally.
 * See docs/distributed.md.
 */
export * from './envelope';
export * from './queue-url';
export * from './layout';
export { probeRedis, describeRedisError, type ProbeResult } from './redis';
export { LabQueue, LabRunHandle, type LabQueueOptions } from './host';
export { LabWorker, type LabWorkerOptions, type LabWorkerStats } from './worker';
