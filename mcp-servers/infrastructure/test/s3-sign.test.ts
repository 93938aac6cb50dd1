// AWS Signature Version 4 for the MinIO client, checked against the worked example in AWS's S3
// documentation ("GET Bucket (List Objects)"), so the signer is right before any MinIO sees it.
import { describe, expect, it } from 'vitest';
import { signS3Request } from '../src/clients/s3.js';

describe('signS3Request', () => {
  it('reproduces the published signature of the list-objects example', () => {
    const signed = signS3Request({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/',
      query: { 'max-keys': '2', prefix: 'J' },
      accessKey: 'AKIAIOSFODNN7EXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      now: new Date('2013-05-24T00:00:00Z'),
    });
    expect(signed.query).toBe('max-keys=2&prefix=J');
    expect(signed.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
  });

  it('encodes query keys and values the RFC 3986 way, sorted', () => {
    const signed = signS3Request({
      method: 'GET',
      host: 'minio:9000',
      path: '/backups',
      query: { 'list-type': '2', 'continuation-token': 'a b+c/d*' },
      accessKey: 'k',
      secretKey: 's',
      region: 'us-east-1',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(signed.query).toBe('continuation-token=a%20b%2Bc%2Fd%2A&list-type=2');
  });
});
