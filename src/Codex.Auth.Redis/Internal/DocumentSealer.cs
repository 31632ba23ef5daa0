using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Codex.Auth.Redis.Internal;

/// <summary>
/// Seals documents with the BCL's AES-256-GCM. Layout: <c>"CXR1"</c> (4 bytes) · key id (4 bytes, the first bytes of
/// SHA-256 of the key, so a mismatch can be reported without revealing the key) · nonce (12) · tag (16) · ciphertext.
/// The associated data is the header followed by the Redis key the value is stored under, so a value copied to
/// another key (another store name) does not open.
/// </summary>
internal sealed class DocumentSealer : IDisposable
{
    private const int MagicLength = 4;
    private const int KeyIdLength = 4;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = MagicLength + KeyIdLength;
    private const int OverheadLength = HeaderLength + NonceLength + TagLength;

    private static ReadOnlySpan<byte> Magic => "CXR1"u8;

    private readonly AesGcm _aes;
    private readonly byte[] _keyId;

    public DocumentSealer(ReadOnlySpan<byte> key)
    {
        if (key.Length != StoreKeyLoader.KeyLength)
        {
            throw new ArgumentException("The key must be 32 bytes.", nameof(key));
        }

        _aes = new AesGcm(key, TagLength);
        _keyId = SHA256.HashData(key)[..KeyIdLength];
        KeyId = Convert.ToHexString(_keyId);
    }

    /// <summary>Gets the key's public id: 8 hex characters of SHA-256 of the key (not a secret).</summary>
    public string KeyId { get; }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string redisKey)
    {
        byte[] sealedValue = new byte[OverheadLength + plaintext.Length];
        Span<byte> span = sealedValue;
        Magic.CopyTo(span);
        _keyId.CopyTo(span[MagicLength..]);
        Span<byte> nonce = span.Slice(HeaderLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> tag = span.Slice(HeaderLength + NonceLength, TagLength);
        Span<byte> ciphertext = span[OverheadLength..];
        byte[] associated = AssociatedData(span[..HeaderLength], redisKey);
        _aes.Encrypt(nonce, plaintext, ciphertext, tag, associated);
        return sealedValue;
    }

    /// <summary>Opens a sealed value.</summary>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidStoreKey"/> or <see cref="CodexAuthFailureReason.MalformedStore"/>.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string redisKey, string location)
    {
        if (sealedValue.Length < OverheadLength || !sealedValue[..MagicLength].SequenceEqual(Magic))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedStore,
                $"The credentials at {location} are not a sealed Codex.Auth document. They have not been modified.",
                "Remove the entry, then run `codex-auth store import --to <store>` to move a sign-in into it.");
        }

        ReadOnlySpan<byte> keyId = sealedValue.Slice(MagicLength, KeyIdLength);
        if (!keyId.SequenceEqual(_keyId))
        {
            throw WrongKey(location, Convert.ToHexString(keyId));
        }

        byte[] plaintext = new byte[sealedValue.Length - OverheadLength];
        try
        {
            _aes.Decrypt(
                sealedValue.Slice(HeaderLength, NonceLength),
                sealedValue[OverheadLength..],
                sealedValue.Slice(HeaderLength + NonceLength, TagLength),
                plaintext,
                AssociatedData(sealedValue[..HeaderLength], redisKey));
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            throw new CodexAuthException(
                CodexAuthFailureReason.InvalidStoreKey,
                $"The credentials at {location} do not open with store key {KeyId}: the value was altered, or copied from another store name. They have not been modified.",
                "Remove the entry, then run `codex-auth store import --to <store>` to move a sign-in into it.");
        }

        return plaintext;
    }

    public void Dispose() => _aes.Dispose();

    private CodexAuthException WrongKey(string location, string storedKeyId) =>
        new(
            CodexAuthFailureReason.InvalidStoreKey,
            $"The credentials at {location} were sealed with store key {storedKeyId}, but this process has store key {KeyId}. Nothing was read or written.",
            "Give every instance the same key (CODEX_AUTH_STORE_KEY or the key file) as the one the sign-in was imported with.");

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, string redisKey)
    {
        byte[] associated = new byte[header.Length + 4 + Encoding.UTF8.GetByteCount(redisKey)];
        header.CopyTo(associated);
        BinaryPrimitives.WriteInt32BigEndian(associated.AsSpan(header.Length), associated.Length - header.Length - 4);
        Encoding.UTF8.GetBytes(redisKey, associated.AsSpan(header.Length + 4));
        return associated;
    }
}
