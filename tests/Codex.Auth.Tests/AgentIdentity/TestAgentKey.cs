using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>An Ed25519 key made and checked with BouncyCastle, independently of the library's libsodium code.</summary>
public sealed class TestAgentKey
{
    private static readonly byte[] s_v1Prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    private static readonly byte[] s_v2Prefix = [0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

    private TestAgentKey(byte[] seed, byte[] publicKey)
    {
        Seed = seed;
        PublicKey = publicKey;
    }

    public byte[] Seed { get; }

    public byte[] PublicKey { get; }

    /// <summary>RFC 8410 v1 PKCS#8, 48 bytes, standard base64.</summary>
    public string Pkcs8V1 => Convert.ToBase64String([.. s_v1Prefix, .. Seed]);

    /// <summary>RFC 5958 v2 PKCS#8 with the public key, 83 bytes, standard base64.</summary>
    public string Pkcs8V2 => Pkcs8V2With(PublicKey);

    public static TestAgentKey Create()
    {
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        return new TestAgentKey(key.GetEncoded(), key.GeneratePublicKey().GetEncoded());
    }

    public string Pkcs8V2With(byte[] publicKey) => Convert.ToBase64String([.. s_v2Prefix, .. Seed, 0x81, 0x21, 0x00, .. publicKey]);

    public bool Verify(byte[] message, byte[] signature)
    {
        var signer = new Ed25519Signer();
        signer.Init(false, new Ed25519PublicKeyParameters(PublicKey, 0));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.VerifySignature(signature);
    }

    /// <summary>Seals <paramref name="plaintext"/> for this key's X25519 form with libsodium's crypto_box_seal.</summary>
    public string SealForAgent(string plaintext) =>
        Convert.ToBase64String(Sodium.SealedPublicKeyBox.Create(
            System.Text.Encoding.UTF8.GetBytes(plaintext),
            Sodium.PublicKeyAuth.ConvertEd25519PublicKeyToCurve25519PublicKey(PublicKey)));
}
