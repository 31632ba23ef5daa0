using System.Formats.Asn1;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Codex.Auth.Internal;
using Sodium;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// An agent's Ed25519 key, parsed from base64 PKCS#8 (RFC 8410 v1, 48 bytes, or RFC 5958 v2 with the public key, 83 bytes),
/// with the X25519 key derived from it for opening sealed task ids. Holds secrets: never printed.
/// </summary>
internal sealed partial class AgentSigningKey
{
    /// <summary>The length of an Ed25519 signature.</summary>
    public const int SignatureLength = 64;

    private const string Ed25519Oid = "1.3.101.112";
    private const int SeedLength = 32;

    private static readonly Asn1Tag s_attributesTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag s_publicKeyTag = new(TagClass.ContextSpecific, 1);

    // libsodium's 64-byte secret key: seed || public key.
    private readonly byte[] _secretKey;
    private readonly byte[] _x25519SecretKey;
    private readonly byte[] _x25519PublicKey;

    private AgentSigningKey(byte[] seed)
    {
        KeyPair pair = PublicKeyAuth.GenerateKeyPair(seed);
        _secretKey = pair.PrivateKey;
        PublicKey = pair.PublicKey;
        _x25519SecretKey = PublicKeyAuth.ConvertEd25519SecretKeyToCurve25519SecretKey(_secretKey);
        _x25519PublicKey = PublicKeyAuth.ConvertEd25519PublicKeyToCurve25519PublicKey(PublicKey);
    }

    /// <summary>Gets the 32-byte Ed25519 public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>Parses a base64 (standard or URL-safe, padding optional) PKCS#8 Ed25519 private key.</summary>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidAgentIdentity"/>; the message never contains key material.</exception>
    public static AgentSigningKey Parse(string base64Pkcs8)
    {
        byte[] der;
        try
        {
            der = Base64Url.DecodeLenient(base64Pkcs8.Trim());
        }
        catch (FormatException)
        {
            throw Invalid("it is not base64");
        }

        byte[] seed;
        byte[]? embeddedPublicKey = null;
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            if (!info.TryReadInt32(out int version) || version is not (0 or 1))
            {
                throw Invalid("its PKCS#8 version is neither 1 (v1) nor 2 (v2)");
            }

            AsnReader algorithm = info.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != Ed25519Oid)
            {
                throw Invalid("it is not an Ed25519 key");
            }

            if (algorithm.HasData)
            {
                throw Invalid("its Ed25519 algorithm identifier has parameters");
            }

            var privateKey = new AsnReader(info.ReadOctetString(), AsnEncodingRules.DER);
            seed = privateKey.ReadOctetString();
            privateKey.ThrowIfNotEmpty();
            if (seed.Length != SeedLength)
            {
                throw Invalid("its Ed25519 seed is not 32 bytes");
            }

            if (info.HasData && info.PeekTag().HasSameClassAndValue(s_attributesTag))
            {
                _ = info.ReadEncodedValue();
            }

            if (info.HasData && info.PeekTag().HasSameClassAndValue(s_publicKeyTag))
            {
                if (version != 1)
                {
                    throw Invalid("a v1 PKCS#8 key must not carry a public key");
                }

                embeddedPublicKey = info.ReadBitString(out int unusedBits, s_publicKeyTag);
                if (unusedBits != 0 || embeddedPublicKey.Length != 32)
                {
                    throw Invalid("its embedded public key is not 32 bytes");
                }
            }

            info.ThrowIfNotEmpty();
        }
        catch (AsnContentException)
        {
            throw Invalid("it is not a DER-encoded PKCS#8 structure");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }

        try
        {
            var key = new AgentSigningKey(seed);
            if (embeddedPublicKey is not null && !CryptographicOperations.FixedTimeEquals(embeddedPublicKey, key.PublicKey))
            {
                throw Invalid("the public key embedded in the v2 PKCS#8 key does not match its private key");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Signs <paramref name="message"/> with Ed25519 (deterministic, 64-byte signature).</summary>
    public byte[] Sign(byte[] message) => PublicKeyAuth.SignDetached(message, _secretKey);

    /// <summary>
    /// Signs <paramref name="message"/> with Ed25519 into <paramref name="signature"/> (64 bytes): the same libsodium function
    /// (<c>crypto_sign_detached</c>) that <see cref="Sign(byte[])"/> reaches through Sodium.Core, whose API returns a new array per
    /// signature; called directly so that the per-second agent assertion signs into a stack buffer.
    /// </summary>
    /// <exception cref="CryptographicException">libsodium reported a failure.</exception>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> signature)
    {
        if (signature.Length < SignatureLength)
        {
            throw new ArgumentException("An Ed25519 signature needs 64 bytes.", nameof(signature));
        }

        if (CryptoSignDetached(signature, out ulong written, message, (ulong)message.Length, _secretKey) != 0 || written != SignatureLength)
        {
            throw new CryptographicException("libsodium could not sign the agent assertion.");
        }
    }

    /// <summary>Opens a libsodium sealed box (<c>crypto_box_seal</c>) addressed to this key's X25519 form.</summary>
    /// <exception cref="CryptographicException">The box was not sealed for this key or was altered.</exception>
    public byte[] OpenSealedBox(byte[] sealedBox) => SealedPublicKeyBox.Open(sealedBox, _x25519SecretKey, _x25519PublicKey);

    /// <summary>Never shows key material.</summary>
    /// <returns>A fixed description with the public key's fingerprint.</returns>
    public override string ToString() => $"Ed25519 key [{Convert.ToHexString(SHA256.HashData(PublicKey), 0, 4).ToLowerInvariant()}]";

    // The libsodium that Sodium.Core loads (package libsodium, the same native library); the key pair above was made through
    // Sodium.Core, which has initialised it (sodium_init).
    [LibraryImport("libsodium", EntryPoint = "crypto_sign_detached")]
    private static partial int CryptoSignDetached(Span<byte> signature, out ulong signatureLength, ReadOnlySpan<byte> message, ulong messageLength, byte[] secretKey);

    private static CodexAuthException Invalid(string what) =>
        new(
            CodexAuthFailureReason.InvalidAgentIdentity,
            $"The agent identity's private key cannot be used: {what}.",
            AgentIdentityProvider.Remediation);
}
