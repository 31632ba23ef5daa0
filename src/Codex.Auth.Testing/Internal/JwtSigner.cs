using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codex.Auth.Testing.Internal;

/// <summary>Mints compact RS256 JWTs with an RSA key of its own (independent of the Codex.Auth library).</summary>
internal sealed class JwtSigner : IDisposable
{
    internal static readonly JsonSerializerOptions CompactJson = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private readonly RSA _rsa;

    public JwtSigner()
    {
        _rsa = RSA.Create(2048);
        RSAParameters p = _rsa.ExportParameters(false);
        Modulus = Base64Url.EncodeToString(p.Modulus);
        Exponent = Base64Url.EncodeToString(p.Exponent);
        // RFC 7638 thumbprint as the key id.
        string canonical = $"{{\"e\":\"{Exponent}\",\"kty\":\"RSA\",\"n\":\"{Modulus}\"}}";
        KeyId = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public string KeyId { get; }

    public string Modulus { get; }

    public string Exponent { get; }

    public string Sign(JsonObject payload, string? keyId = null)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        if (keyId is not null)
        {
            header["kid"] = keyId;
        }

        string signingInput = Encode(header) + "." + Encode(payload);
        byte[] signature = _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public JsonObject Jwk() => new()
    {
        ["kty"] = "RSA",
        ["use"] = "sig",
        ["alg"] = "RS256",
        ["kid"] = KeyId,
        ["n"] = Modulus,
        ["e"] = Exponent,
    };

    public void Dispose() => _rsa.Dispose();

    private static string Encode(JsonObject node) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString(CompactJson)));
}
