import { describe, expect, it } from 'vitest';
import { ScramClient } from './scram.js';

// The SCRAM-SHA-256 exchange given as the example in RFC 7677 §3.
const NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = `r=${NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
const CLIENT_FINAL = `c=biws,r=${NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('ScramClient', () => {
  it('produces the messages of the RFC 7677 example and accepts its server signature', async () => {
    const client = new ScramClient('sha256', 'user', 'pencil', NONCE);
    expect(client.firstMessage().toString()).toBe(`n,,n=user,r=${NONCE}`);
    const final = await client.finalMessage(Buffer.from(SERVER_FIRST));
    expect(final.toString()).toBe(CLIENT_FINAL);
    expect(() => client.verifyServerFinal(Buffer.from(SERVER_FINAL))).not.toThrow();
  });

  it('rejects a server that does not know the password', async () => {
    const client = new ScramClient('sha256', 'user', 'pencil', NONCE);
    await client.finalMessage(Buffer.from(SERVER_FIRST));
    const forged = 'v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    expect(() => client.verifyServerFinal(Buffer.from(forged))).toThrow(/signature/);
    expect(() => client.verifyServerFinal(Buffer.from('e=invalid-proof'))).toThrow(/refused/);
  });

  it('rejects a server nonce that does not extend the client nonce', async () => {
    const client = new ScramClient('sha512', 'user', 'pencil', NONCE);
    await expect(client.finalMessage(Buffer.from('r=other,s=AAAA,i=4096'))).rejects.toThrow(
      /nonce/,
    );
  });

  it('escapes "=" and "," in the user name', () => {
    const client = new ScramClient('sha256', 'a=b,c', 'p', NONCE);
    expect(client.firstMessage().toString()).toBe(`n,,n=a=3Db=2Cc,r=${NONCE}`);
  });
});
