// The test-helper S3 signer against the worked examples of the S3 API reference ("Signature
// Calculations for the Authorization Header: Transferring Payload in a Single Chunk"): the
// example credentials, bucket examplebucket, 2013-05-24T00:00:00Z, region us-east-1.
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, signS3Request, UNSIGNED_PAYLOAD, uriEncode } from '../src/index.js';

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const date = new Date('2013-05-24T00:00:00Z');
const host = 'https://examplebucket.s3.amazonaws.com';

describe('signS3Request (AWS Signature Version 4, S3)', () => {
  it('GET Object with a Range header', () => {
    const signed = signS3Request({
      method: 'GET',
      url: `${host}/test.txt`,
      headers: { Range: 'bytes=0-9' },
      credentials,
      date,
    });
    expect(signed.canonicalRequest).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(signed.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n' +
        '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(signed.headers).toMatchObject({
      range: 'bytes=0-9',
      'x-amz-date': '20130524T000000Z',
      'x-amz-content-sha256': EMPTY_SHA256,
    });
    expect(signed.headers.host).toBeUndefined();
    expect(signed.url).toBe(`${host}/test.txt`);
  });

  it('PUT Object: the payload hash, a key that needs encoding, and extra signed headers', () => {
    const signed = signS3Request({
      method: 'PUT',
      url: `${host}/test$file.text`,
      headers: {
        Date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      },
      body: 'Welcome to Amazon S3.',
      credentials,
      date,
    });
    expect(signed.canonicalRequest.split('\n').slice(0, 2)).toEqual(['PUT', '/test%24file.text']);
    expect(signed.headers['x-amz-content-sha256']).toBe(
      '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
    );
    expect(signed.signature).toBe(
      '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
    expect(signed.url).toBe(`${host}/test%24file.text`);
  });

  it('GET Bucket lifecycle: a parameter without a value signs as "lifecycle="', () => {
    const signed = signS3Request({ method: 'GET', url: `${host}/?lifecycle`, credentials, date });
    expect(signed.canonicalRequest.split('\n').slice(0, 3)).toEqual(['GET', '/', 'lifecycle=']);
    expect(signed.signature).toBe(
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    );
  });

  it('GET Bucket (List Objects): query parameters sorted', () => {
    const signed = signS3Request({
      method: 'GET',
      url: `${host}/?prefix=J&max-keys=2`,
      credentials,
      date,
    });
    expect(signed.canonicalRequest.split('\n')[2]).toBe('max-keys=2&prefix=J');
    expect(signed.signature).toBe(
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
    expect(signed.url).toBe(`${host}/?max-keys=2&prefix=J`);
  });

  it('encodes paths once per segment and query values strictly; UNSIGNED-PAYLOAD on request', () => {
    const signed = signS3Request({
      method: 'GET',
      url: `http://127.0.0.1:9000/bucket/reports/2026 Q1/a+b (final).txt?prefix=a b/c&delimiter=/`,
      credentials,
      unsignedPayload: true,
      date,
    });
    const [, uri, query] = signed.canonicalRequest.split('\n');
    expect(uri).toBe('/bucket/reports/2026%20Q1/a%2Bb%20%28final%29.txt');
    expect(query).toBe('delimiter=%2F&prefix=a%20b%2Fc');
    expect(signed.headers['x-amz-content-sha256']).toBe(UNSIGNED_PAYLOAD);
    expect(signed.canonicalRequest.endsWith(`\n${UNSIGNED_PAYLOAD}`)).toBe(true);
    expect(signed.canonicalRequest).toContain('host:127.0.0.1:9000\n');
    expect(signed.url).toBe(`http://127.0.0.1:9000${uri}?${query}`);
    expect(uriEncode('ä ~/', true)).toBe('%C3%A4%20~/');
  });

  it('signs a session token and never signs or sends a caller host or authorization', () => {
    const signed = signS3Request({
      method: 'GET',
      url: `${host}/`,
      headers: { Host: 'evil.example', Authorization: 'x', 'User-Agent': 'test' },
      credentials: { ...credentials, sessionToken: 'token/1' },
      date,
    });
    expect(signed.canonicalRequest).toContain('host:examplebucket.s3.amazonaws.com\n');
    expect(signed.canonicalRequest).toContain('x-amz-security-token:token/1\n');
    expect(signed.canonicalRequest).not.toContain('user-agent');
    expect(signed.headers.host).toBeUndefined();
    expect(signed.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
    expect(signed.headers['x-amz-security-token']).toBe('token/1');
  });
});
