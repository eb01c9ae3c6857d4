// DPoP proofs (RFC 9449) for the tests' own API calls: every call to the API must carry one,
// signed by a device key. A test acts either as a device of its own (`NodeKey`, a key made
// here) or as a browser whose portal made its key (`PageKey`: the key stays in the page's
// IndexedDB, not extractable, and the page signs for us, exactly as the portal does).
import { createHash, webcrypto } from 'node:crypto';
import type { Frame, Page } from '@playwright/test';

export interface PublicJwk {
  crv: string;
  kty: string;
  x: string;
  y: string;
}

/** What makes proofs: the public key, and signatures over a JWS signing input. */
export interface Signer {
  jwk(): Promise<PublicJwk>;
  /** The ES256 signature (r || s, base64url) of `input`. */
  sign(input: string): Promise<string>;
}

export function base64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A device key of the test's own, in memory. */
export class NodeKey implements Signer {
  private readonly pair = webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]) as Promise<webcrypto.CryptoKeyPair>;

  async jwk(): Promise<PublicJwk> {
    const { crv, kty, x, y } = await webcrypto.subtle.exportKey('jwk', (await this.pair).publicKey);
    return { crv: crv!, kty: kty!, x: x!, y: y! };
  }

  async sign(input: string): Promise<string> {
    const signature = await webcrypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      (await this.pair).privateKey,
      Buffer.from(input),
    );
    return base64url(new Uint8Array(signature));
  }
}

/**
 * The key the portal keeps in the IndexedDB of `page` (or of an iframe's frame) (database `portal`, store `keys`, record
 * `device`). The page must be on the portal's origin; waits until the portal has made it.
 */
export class PageKey implements Signer {
  constructor(readonly page: Page | Frame) {}

  private async inPage<T>(input: string | null): Promise<T> {
    // A page of the portal may move to its other page (a full load) at any moment: sign again there.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.once<T>(input);
      } catch (error) {
        if (attempt >= 5 || !String(error).includes('Execution context was destroyed')) throw error;
        await this.page.waitForLoadState('load');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private async once<T>(input: string | null): Promise<T> {
    return this.page.evaluate(async (input) => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const pair = await new Promise<CryptoKeyPair | undefined>((resolve, reject) => {
          const open = indexedDB.open('portal', 1);
          open.onupgradeneeded = () => open.result.createObjectStore('keys');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const get = open.result.transaction('keys').objectStore('keys').get('device');
            get.onerror = () => reject(get.error);
            get.onsuccess = () => {
              open.result.close();
              resolve(get.result);
            };
          };
        });
        if (pair) {
          if (input === null) return crypto.subtle.exportKey('jwk', pair.publicKey);
          const signature = await crypto.subtle.sign(
            { name: 'ECDSA', hash: 'SHA-256' },
            pair.privateKey,
            new TextEncoder().encode(input),
          );
          return Array.from(new Uint8Array(signature));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the portal made no device key in this page');
    }, input) as Promise<T>;
  }

  async jwk(): Promise<PublicJwk> {
    const { crv, kty, x, y } = await this.inPage<JsonWebKey>(null);
    return { crv: crv!, kty: kty!, x: x!, y: y! };
  }

  async sign(input: string): Promise<string> {
    return base64url(new Uint8Array(await this.inPage<number[]>(input)));
  }
}

/** RFC 7638 thumbprint of the signer's key: the device id the server knows it by. */
export async function thumbprint(signer: Signer): Promise<string> {
  const { crv, kty, x, y } = await signer.jwk();
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

/** A proof for `method` on `url` (absolute), bound to `token` when the call sends it. */
export async function proof(signer: Signer, method: string, url: string, token?: string): Promise<string> {
  const { crv, kty, x, y } = await signer.jwk();
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { crv, kty, x, y } };
  const claims: Record<string, unknown> = {
    jti: base64url(webcrypto.getRandomValues(new Uint8Array(16))),
    htm: method,
    htu: url.split(/[?#]/)[0],
    iat: Math.floor(Date.now() / 1000),
  };
  if (token) claims.ath = createHash('sha256').update(token).digest('base64url');
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${await signer.sign(input)}`;
}

/** Headers of a call made outside the portal with `signer`'s key: the proof, and the bearer token if any. */
export async function signedHeaders(
  signer: Signer,
  method: string,
  url: string,
  token?: string,
): Promise<Record<string, string>> {
  return {
    DPoP: await proof(signer, method, url, token),
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  };
}
