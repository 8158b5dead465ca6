#!/usr/bin/env python3
"""A version-1 vigil-wire packet computed independently of the Rust code,
from the layout documented in crates/vigil-wire/src/lib.rs: the expected
bytes of the version_1_packet_bytes_are_stable test. Needs the
`cryptography` package; XChaCha20-Poly1305 is built from its
ChaCha20-Poly1305 and an HChaCha20 written out here."""
import hashlib, struct
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

# HChaCha20 (draft-irtf-cfrg-xchacha): 20 ChaCha rounds without the final
# addition; the first and last rows of the state are the subkey.
def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))
def qr(s, a, b, c, d):
    s[a]=(s[a]+s[b])&0xffffffff; s[d]^=s[a]; s[d]=rotl(s[d],16)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]^=s[c]; s[b]=rotl(s[b],12)
    s[a]=(s[a]+s[b])&0xffffffff; s[d]^=s[a]; s[d]=rotl(s[d],8)
    s[c]=(s[c]+s[d])&0xffffffff; s[b]^=s[c]; s[b]=rotl(s[b],7)
def hchacha20(key, nonce16):
    s = list(struct.unpack('<4I', b'expand 32-byte k')) + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', nonce16))
    for _ in range(10):
        qr(s,0,4,8,12); qr(s,1,5,9,13); qr(s,2,6,10,14); qr(s,3,7,11,15)
        qr(s,0,5,10,15); qr(s,1,6,11,12); qr(s,2,7,8,13); qr(s,3,4,9,14)
    return struct.pack('<8I', *(s[0:4] + s[12:16]))

# The test's packet: key file bytes 0..=255, cluster "alpha", sender
# 0x01020304, incarnation 0x1122334455667788, the second packet (sequence 2)
# with payload "vigil".
keyfile = bytes(range(256))
cluster = b"alpha"
k = HKDF(algorithm=hashes.SHA256(), length=32, salt=cluster, info=b"vigil-wire v1 packet xchacha20poly1305").derive(keyfile)
tag = hashlib.sha256(b"vigil cluster name\0" + cluster).digest()[:8]
sender, inc, seq = 0x01020304, 0x1122334455667788, 2
header = bytes([1]) + tag + struct.pack('>I', sender) + struct.pack('>Q', inc) + struct.pack('>Q', seq)
nonce = struct.pack('>Q', inc) + struct.pack('>I', sender) + struct.pack('>Q', seq) + b'\0'*4
sub = hchacha20(k, nonce[:16])
ct = ChaCha20Poly1305(sub).encrypt(b'\0'*4 + nonce[16:], b"vigil", header)
print((header + ct).hex())
