using System.Security.Cryptography;

namespace Codex.Auth.Redis.Internal;

/// <summary>Finds the operator's store key: the options' bytes, else the options' key file, else <c>CODEX_AUTH_STORE_KEY</c>.</summary>
internal static class StoreKeyLoader
{
    public const int KeyLength = 32;

    private const string Remediation =
        "Give every instance the same 32-byte key, base64-encoded, in " + RedisCredentialStoreOptions.KeyEnvironmentVariable
        + " or in a key file (`--store-key-file PATH`); create one with `openssl rand -base64 32`.";

    public static byte[] Load(RedisCredentialStoreOptions options, CodexEnvironment environment)
    {
        if (options.EncryptionKey is { } bytes)
        {
            if (bytes.Length != KeyLength)
            {
                throw Invalid($"The store key given in the options is {bytes.Length} bytes long, not {KeyLength}.");
            }

            return (byte[])bytes.Clone();
        }

        if (options.EncryptionKeyFile is { } path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Invalid($"The store key file '{path}' cannot be read ({ex.GetType().Name}).");
            }

            return Decode(text, $"the store key file '{path}'");
        }

        string? value = environment.GetNonBlank(RedisCredentialStoreOptions.KeyEnvironmentVariable);
        if (value is null)
        {
            throw Invalid($"No store key: the Redis store is always encrypted, and neither {RedisCredentialStoreOptions.KeyEnvironmentVariable} nor a key file is set.");
        }

        return Decode(value, RedisCredentialStoreOptions.KeyEnvironmentVariable);
    }

    private static byte[] Decode(string text, string source)
    {
        byte[] key = new byte[KeyLength + 3];
        try
        {
            if (!Convert.TryFromBase64String(text.Trim(), key, out int written) || written != KeyLength)
            {
                throw Invalid($"{source} does not hold the base64 of exactly {KeyLength} bytes.");
            }

            return key[..KeyLength];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static CodexAuthException Invalid(string message) => new(CodexAuthFailureReason.InvalidStoreKey, message, Remediation);
}
