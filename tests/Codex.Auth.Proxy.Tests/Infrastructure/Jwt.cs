using System.Text;
using System.Text.Json.Nodes;

namespace Codex.Auth.Proxy.Tests.Infrastructure;

public static class Jwt
{
    public static JsonObject Payload(string jwt)
    {
        string[] parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.NotEmpty(p));
        string b64 = parts[1].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        return (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)))!;
    }
}
