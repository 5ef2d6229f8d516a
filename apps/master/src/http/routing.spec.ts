import { isSchedulerPath } from './routing';

describe('v1 API routing (longest registered prefix, as libprocess)', () => {
  it('gives /api/v1/scheduler and below to the scheduler API', () => {
    for (const p of [
      '/api/v1/scheduler',
      '/api/v1/scheduler/',
      '/api/v1/scheduler/x',
      '/master/api/v1/scheduler',
    ]) {
      expect([p, isSchedulerPath(p)]).toEqual([p, true]);
    }
  });

  it('leaves every other /api/v1 path to the operator API', () => {
    for (const p of [
      '/api/v1',
      '/api/v1/',
      '/api/v1/operator',
      '/api/v1/schedulers',
      '/api/v1/x/scheduler',
      '/master/api/v1/operator',
    ]) {
      expect([p, isSchedulerPath(p)]).toEqual([p, false]);
    }
  });
});
