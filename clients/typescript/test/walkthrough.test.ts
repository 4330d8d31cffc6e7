// The README's walkthrough through the generated TypeScript client, against a running service
// (ALIPASS_URL, e.g. http://127.0.0.1:18181; scripts/clients.sh starts one): create a template,
// issue a pass, redeem it, send a voucher, read the pass's events, then the idempotency rules
// a retrying caller relies on.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createAlipassClient, REPLAYED_HEADER, type components } from "../src/client.js";

type TemplateView = components["schemas"]["TemplateView"];
type PassView = components["schemas"]["PassView"];
type TemplateContent = components["schemas"]["TemplateContent"];

const baseUrl = process.env.ALIPASS_URL;
assert.ok(baseUrl, "ALIPASS_URL must point at a running service (scripts/clients.sh sets it)");
// The test profile's documented development key.
const client = createAlipassClient(baseUrl, "alipass-dev-key-not-for-production");

// Compiled to build/test/, so the repository root is four levels up from this file.
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const templateContent = JSON.parse(
  readFileSync(`${repoRoot}tests/fixtures/template_valid.json`, "utf8"),
) as TemplateContent;

/** Values for the template's $params$ that pass the rules: the same helper the smoke test uses. */
function passParams(template: TemplateView): Record<string, string> {
  const out = execFileSync(
    "python3",
    [`${repoRoot}scripts/lib/pass_params.py`, JSON.stringify(template), "typescript"],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as Record<string, string>;
}

const run = randomUUID().slice(0, 8);

/** The fixture template, created with an Idempotency-Key and then retried: the retry must meet
 * the first template, marked as a replay. */
async function createTemplate(): Promise<TemplateView> {
  const request = {
    params: { header: { "Idempotency-Key": `ts-template-${run}` } },
    body: { content: templateContent },
  };
  const created = await client.POST("/v1/templates", request);
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  const template = created.data!;
  assert.equal(template.status, "CREATED");
  assert.equal(created.response.headers.get(REPLAYED_HEADER), null);

  const retried = await client.POST("/v1/templates", request);
  assert.equal(retried.response.headers.get(REPLAYED_HEADER), "true");
  assert.equal(retried.data?.id, template.id);
  return template;
}

/** A pass of `template` issued with an Idempotency-Key; the same key with another body is
 * refused, since it would otherwise be silently taken as a retry. */
async function issuePass(template: TemplateView): Promise<PassView> {
  const params = passParams(template);
  const recipient = { partner_id: "2088102122069225", out_trade_no: `ts-order-${run}` };
  const header = { "Idempotency-Key": `ts-pass-${run}` };
  const issued = await client.POST("/v1/passes", {
    params: { header },
    body: { template_id: template.id, params, recipient },
  });
  assert.equal(issued.response.status, 201, JSON.stringify(issued.error));
  assert.equal(issued.data?.status, "ISSUED");

  const reused = await client.POST("/v1/passes", {
    params: { header },
    body: { template_id: template.id, params: { ...params, logoText: "another" }, recipient },
  });
  assert.equal(reused.response.status, 409);
  assert.equal(reused.error?.code, "idempotency_key_reused");
  return issued.data!;
}

test("walkthrough: template, pass, redeem, voucher, events, idempotency", async () => {
  const template = await createTemplate();
  const pass = await issuePass(template);

  const redeemed = await client.POST("/v1/passes/{serial_number}/redeem", {
    params: { path: { serial_number: pass.serial_number } },
    body: {},
  });
  assert.equal(redeemed.response.status, 200, JSON.stringify(redeemed.error));
  assert.equal(redeemed.data?.status, "USED");

  const voucher = await client.POST("/v1/vouchers", {
    body: {
      template_id: "20140601000730010040000000EB",
      recipient: { user_id: "2088102122069225" },
      out_biz_no: `ts-voucher-${run}`,
    },
  });
  assert.equal(voucher.response.status, 201, JSON.stringify(voucher.error));
  assert.equal(voucher.data?.status, "SENT");

  const history = await client.GET("/v1/passes/{serial_number}/events", {
    params: { path: { serial_number: pass.serial_number } },
  });
  assert.equal(history.response.status, 200, JSON.stringify(history.error));
  const kinds = history.data!.events.map((event) => event.kind);
  assert.ok(kinds.includes("ISSUED") && kinds.includes("REDEEMED"), `events: ${kinds}`);
});
