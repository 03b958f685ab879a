// The request pipeline: stages run in order before every handler, a refusal is answered
// with the handler's own error response, a stage may wait, and answers still leave in
// request order. Over a real socket, on in-memory services (no broker).
import { describe, expect, it } from 'vitest';
import { buildHandlerTable } from '../../../src/handlers/index.js';
import { silentLogger } from '../../../src/logger.js';
import { type ConnectionDeps } from '../../../src/network/connection.js';
import { RequestPipeline, type RequestStage, type StagedRequest } from '../../../src/network/pipeline.js';
import { KafkaServer } from '../../../src/network/server.js';
import { authenticateStage } from '../../../src/network/stages/authenticate-stage.js';
import { defaultPipeline } from '../../../src/network/stages/default-pipeline.js';
import { quotaStage } from '../../../src/network/stages/quota-stage.js';
import { sessionStage } from '../../../src/network/stages/session-stage.js';
import { RawClient } from '../../../src/client/raw-client.js';
import { ApiKey } from '../../../src/protocol/generated/api-keys.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { defaultApiVersionsRequest, writeApiVersionsRequest } from '../../../src/protocol/generated/api-versions-request.js';
import { readApiVersionsResponse } from '../../../src/protocol/generated/api-versions-response.js';
import { defaultMetadataRequest, defaultMetadataRequestTopic, writeMetadataRequest } from '../../../src/protocol/generated/metadata-request.js';
import { readMetadataResponse } from '../../../src/protocol/generated/metadata-response.js';
import { defaultListGroupsRequest, writeListGroupsRequest } from '../../../src/protocol/generated/list-groups-request.js';
import { readListGroupsResponse } from '../../../src/protocol/generated/list-groups-response.js';
import { anonymousSession } from '../../../src/services/session.js';
import { memoryServices } from '../../helpers/memory/memory-services.js';

const noMetrics = { connectionOpened: () => undefined, connectionClosed: () => undefined, malformedRequest: () => undefined, connectionRefused: () => undefined, request: () => undefined };

async function serve(pipeline: RequestPipeline) {
  const services = memoryServices();
  await services.topics.create('t', 1, {});
  const deps: ConnectionDeps = {
    listener: 'PLAINTEXT', handlers: new Map(buildHandlerTable().map((h) => [h.apiKey, h])), services, pipeline,
    maxRequestBytes: 1 << 20, metrics: noMetrics, logger: silentLogger,
  };
  const server = new KafkaServer(deps);
  const { port } = await server.listen('127.0.0.1', 0);
  const client = await RawClient.connect('127.0.0.1', port, 'pipeline-test');
  return { client, close: async () => { client.close(); await server.close(); } };
}

const metadata = (c: RawClient) => c.request(ApiKey.Metadata, 9, (w) => writeMetadataRequest(w, 9, { ...defaultMetadataRequest(), topics: [{ ...defaultMetadataRequestTopic(), name: 't' }] })).then((r) => readMetadataResponse(r, 9));
const apiVersions = (c: RawClient) => c.request(ApiKey.ApiVersions, 3, (w) => writeApiVersionsRequest(w, 3, { ...defaultApiVersionsRequest(), clientSoftwareName: 'x', clientSoftwareVersion: '1' })).then((r) => readApiVersionsResponse(r, 3));
const listGroups = (c: RawClient) => c.request(ApiKey.ListGroups, 4, (w) => writeListGroupsRequest(w, 4, defaultListGroupsRequest())).then((r) => readListGroupsResponse(r, 4));

describe('request pipeline', () => {
  it('runs stages in order, synchronously while they are, and stops at the first refusal', async () => {
    const seen: string[] = [];
    const stage = (name: string, verdict?: number, wait = false): RequestStage => ({
      name,
      admit: () => {
        seen.push(name);
        const v = verdict === undefined ? undefined : { errorCode: verdict, reason: name };
        return wait ? new Promise((r) => setTimeout(() => r(v), 10)) : v;
      },
    });
    const req: StagedRequest = { apiKey: 3, apiVersion: 9, header: { requestApiKey: 3, requestApiVersion: 9, correlationId: 1, clientId: 'c' }, body: {}, session: anonymousSession('PLAINTEXT', 'h') };
    expect(new RequestPipeline([stage('a'), stage('b')]).admit(req)).toBeUndefined();
    expect(seen).toEqual(['a', 'b']);
    seen.length = 0;
    expect(await new RequestPipeline([stage('a'), stage('b', undefined, true), stage('c', 29), stage('d')]).admit(req)).toEqual({ errorCode: 29, reason: 'c' });
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('answers a refused request with the handler\'s error response and keeps answers in request order', async () => {
    const clientIds: Array<string | null> = [];
    const refuseMetadata: RequestStage = { name: 'authorize', admit: (r: StagedRequest) => (r.apiKey === ApiKey.Metadata ? { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, reason: 'test' } : undefined) };
    // ListGroups waits 100 ms in the quota stage: the requests after it must still be answered after it.
    const slowListGroups = { admit: (r: StagedRequest) => (r.apiKey === ApiKey.ListGroups ? new Promise<undefined>((res) => setTimeout(() => res(undefined), 100)) : undefined) };
    const record: RequestStage = { name: 'record', admit: (r) => void clientIds.push(r.session.clientId) };
    const { client, close } = await serve(new RequestPipeline([sessionStage, record, authenticateStage, refuseMetadata, quotaStage(slowListGroups)]));
    try {
      const order: string[] = [];
      const done = (name: string) => <T>(x: T): T => (order.push(name), x);
      const [groups, meta, versions] = await Promise.all([listGroups(client).then(done('ListGroups')), metadata(client).then(done('Metadata')), apiVersions(client).then(done('ApiVersions'))]);
      expect(order).toEqual(['ListGroups', 'Metadata', 'ApiVersions']);
      expect(groups.errorCode).toBe(0);
      expect(meta.topics.map((t) => [t.name, t.errorCode])).toEqual([['t', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
      expect(versions.errorCode).toBe(0);
      expect(clientIds).toEqual(['pipeline-test', 'pipeline-test', 'pipeline-test']);
    } finally {
      await close();
    }
  });

  it('the default pipeline lets an anonymous PLAINTEXT session through', async () => {
    const { client, close } = await serve(defaultPipeline());
    try {
      expect((await metadata(client)).topics[0]!.errorCode).toBe(0);
    } finally {
      await close();
    }
  });

  it('the authenticate gate passes only ApiVersions and SASL before authentication', () => {
    const session = { ...anonymousSession('SASL_PLAINTEXT', 'h'), authenticated: false };
    const req = (apiKey: number): StagedRequest => ({ apiKey, apiVersion: 0, header: { requestApiKey: apiKey, requestApiVersion: 0, correlationId: 1, clientId: null }, body: {}, session });
    expect(authenticateStage.admit(req(ApiKey.ApiVersions))).toBeUndefined();
    expect(authenticateStage.admit(req(ApiKey.SaslHandshake))).toBeUndefined();
    expect(authenticateStage.admit(req(ApiKey.Metadata))).toEqual({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, reason: 'the connection has not authenticated (api key 3)', close: true });
  });

  it('the authenticate gate lets a session past its lifetime only re-authenticate (KIP-368)', () => {
    const session = { ...anonymousSession('SASL_PLAINTEXT', 'h'), authenticated: true, expiresAtMs: Date.now() + 60_000 };
    const req = (apiKey: number): StagedRequest => ({ apiKey, apiVersion: 0, header: { requestApiKey: apiKey, requestApiVersion: 0, correlationId: 1, clientId: null }, body: {}, session });
    expect(authenticateStage.admit(req(ApiKey.Metadata))).toBeUndefined();
    session.expiresAtMs = Date.now() - 1;
    expect(authenticateStage.admit(req(ApiKey.SaslHandshake))).toBeUndefined();
    expect(authenticateStage.admit(req(ApiKey.SaslAuthenticate))).toBeUndefined();
    expect(authenticateStage.admit(req(ApiKey.Produce))).toEqual({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, reason: 'the SASL session expired without re-authentication (api key 0)', close: true,
    });
  });
});
