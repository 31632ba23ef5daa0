using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Codex.Auth.Testing.Internal;

/// <summary>Ed25519 keys, PKCS#8 encodings (RFC 8410) and signature checks, with BouncyCastle.</summary>
internal static class Ed25519Keys
{
    // PKCS#8 v1 (OneAsymmetricKey version 0): SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
    private static readonly byte[] V1Prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

    // PKCS#8 v2 (version 1) adds [1] IMPLICIT BIT STRING publicKey.
    private static readonly byte[] V2Prefix = [0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    private static readonly byte[] V2PublicKeyTag = [0x81, 0x21, 0x00];

    public static (byte[] Seed, byte[] PublicKey) Generate()
    {
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        return (key.GetEncoded(), key.GeneratePublicKey().GetEncoded());
    }

    public static byte[] Pkcs8V1(byte[] seed) => [.. V1Prefix, .. seed];

    public static byte[] Pkcs8V2(byte[] seed, byte[] publicKey) => [.. V2Prefix, .. seed, .. V2PublicKeyTag, .. publicKey];

    public static bool Verify(byte[] publicKey, byte[] message, byte[] signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey));
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(signature);
    }
}
