using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codex.Auth.Testing.Tests;

/// <summary>Small HTTP and JWT helpers for the tests (independent of the server's own code).</summary>
internal static class TestHttp
{
    public static HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static Task<HttpResponseMessage> RefreshAsync(HttpClient http, FakeCodexServer server, string refreshToken, string reason = "proactive_expiry", string? clientId = null) =>
        http.PostAsync(server.TokenEndpoint, JsonContent.Create(new
        {
            client_id = clientId ?? server.ClientId,
            grant_type = "refresh_token",
            refresh_reason = reason,
            refresh_token = refreshToken,
        }));

    public static HttpRequestMessage Backend(HttpMethod method, Uri uri, string? accessToken, string? accountId)
    {
        var request = new HttpRequestMessage(method, uri);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (accountId is not null)
        {
            request.Headers.Add("ChatGPT-Account-ID", accountId);
        }

        return request;
    }

    public static Uri Under(Uri baseUri, string relative) => new(baseUri.ToString().TrimEnd('/') + "/" + relative.TrimStart('/'));

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject)!;

    public static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        JsonObject body = await JsonAsync(response);
        return body["error"] switch
        {
            JsonObject error => error["code"]?.GetValue<string>(),
            JsonValue value => value.GetValue<string>(),
            _ => null,
        };
    }

    public static JsonObject Payload(string jwt)
    {
        string[] parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.False(string.IsNullOrEmpty(p)));
        Assert.DoesNotContain('=', jwt);
        return (JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]))) as JsonObject)!;
    }

    public static JsonObject Header(string jwt) =>
        (JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(jwt.Split('.')[0]))) as JsonObject)!;

    public static string Pretty(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
