using System.Buffers.Text;
using System.Security.Cryptography;

namespace Codex.Auth.Testing.Internal;

/// <summary>Random identifiers and PKCE helpers.</summary>
internal static class RandomIds
{
    private const string UserCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static string New(string prefix, int bytes = 24) =>
        prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));

    public static string UserCode()
    {
        Span<char> chars = stackalloc char[9];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = i == 4 ? '-' : UserCodeAlphabet[RandomNumberGenerator.GetInt32(UserCodeAlphabet.Length)];
        }

        return new string(chars);
    }

    public static string PkceChallenge(string verifier) =>
        Base64Url.EncodeToString(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
}
