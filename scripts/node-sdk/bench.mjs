// The official Alipay Node SDK (alipay-sdk) making the same calls as our Rust client, against
// the same simulator, for the gateway-client benchmark. Bounded by count. The SDK stamps
// requests in the local time zone; the gateway expects Beijing time: run it with
// TZ=Asia/Shanghai (scripts/bench.sh does).
//   node bench.mjs http://127.0.0.1:18090/gateway.do CALLS CONCURRENCY
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';

const [gateway, callsArg = '2000', concurrencyArg = '16'] = process.argv.slice(2);
const calls = Number(callsArg);
const concurrency = Number(concurrencyArg);
const root = new URL('../../', import.meta.url);
const sdk = new AlipaySdk({
  appId: '2021000000000001',
  privateKey: readFileSync(new URL('config/dev/app_private_key.pem', root), 'utf8'),
  alipayPublicKey: readFileSync(new URL('config/dev/sim_public_key.pem', root), 'utf8'),
  gateway,
  signType: 'RSA2',
  keyType: 'PKCS1',
  camelcase: false,
  timeout: 10000,
});

const run = `node${Date.now()}`;
let next = 0;
let failures = 0;
async function worker() {
  while (next < calls) {
    const i = next++;
    const result = await sdk.exec('alipay.marketing.voucher.send', {
      bizContent: {
        template_id: '20140601000730010040000000EB',
        user_id: '2088302001456115',
        out_biz_no: `${run}-${i}`,
      },
    }, { validateSign: true });
    if (result.code !== '10000') failures++;
  }
}
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`NODE_SDK calls=${calls} failures=${failures} seconds=${seconds.toFixed(3)} per_s=${(calls / seconds).toFixed(0)}`);
