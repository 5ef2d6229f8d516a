import { loadConfig } from '@dcos/config';
import { mesosDnsConfigShape } from './config';
import { RecordsService } from './records.service';
import { settingsFrom } from './settings';

describe('RecordsService host names', () => {
  let records: RecordsService;
  beforeEach(() => {
    records = new RecordsService(
      settingsFrom(
        loadConfig(mesosDnsConfigShape, {
          MESOS_DNS_LISTENER: '127.0.0.1',
          MESOS_DNS_EXTERNAL_ON: 'false',
        }),
      ),
    );
  });
  afterEach(() => records.onModuleDestroy());

  it('publishes <framework>.<domain> for a framework whose hostname is a name, once looked up', async () => {
    records.loadState({
      leader: 'master@10.0.0.1:5050',
      slaves: [],
      frameworks: [{ id: 'fw', name: 'marathon', hostname: 'localhost', tasks: [] }],
    });
    const serial = records.serial;
    await records.lookups;
    expect(records.get('marathon.mesos.')?.a).toEqual(['127.0.0.1']);
    expect(records.serial).toBeGreaterThan(serial);
  });
});
