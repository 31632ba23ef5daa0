using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Backchannel;
using Codex.Auth.Internal;

namespace Codex.Auth.SignIn;

/// <summary>
/// The issuer calls of the sign-in flows (PROTOCOL §4 logout, §8). JSON is built and read with <see cref="JsonNode"/>
/// (no reflection, AOT-safe). Errors name the endpoint, the HTTP status and at most an OAuth error code — never a
/// response body, which could echo a secret.
/// </summary>
internal sealed class SignInHttp(BackchannelClient backchannel, SignInOptions options)
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json") { CharSet = "utf-8" };

    public async Task<DeviceCode> RequestDeviceCodeAsync(CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["client_id"] = options.ClientId };
        using HttpResponseMessage response = await SendAsync(options.DeviceUserCodeUrl, () => JsonContent(body), "requesting a device code", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw Failed("Device login is not enabled for this server (HTTP 404 from the device code endpoint).", "Sign in with the browser flow (`codex login`) or with an API key instead.");
        }

        JsonObject json = await ReadSuccessAsync(response, "requesting a device code", cancellationToken).ConfigureAwait(false);
        string? id = JsonFields.NonBlank(json, "device_auth_id");
        string? userCode = JsonFields.NonBlank(json, "user_code") ?? JsonFields.NonBlank(json, "usercode");
        if (id is null || userCode is null)
        {
            throw Failed("The device code response lacks \"device_auth_id\" or \"user_code\".", "Try again later.");
        }

        return new DeviceCode(id, userCode, ReadInterval(json["interval"]));
    }

    /// <summary>Polls once; <see langword="null"/> while the code is not approved yet (HTTP 403 or 404).</summary>
    public async Task<DeviceApproval?> PollDeviceCodeAsync(DeviceCode code, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["device_auth_id"] = code.DeviceAuthId, ["user_code"] = code.UserCode };
        using HttpResponseMessage response = await SendAsync(options.DeviceTokenUrl, () => JsonContent(body), "polling for device approval", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return null;
        }

        JsonObject json = await ReadSuccessAsync(response, "polling for device approval", cancellationToken).ConfigureAwait(false);
        string? authorizationCode = JsonFields.NonBlank(json, "authorization_code");
        string? verifier = JsonFields.NonBlank(json, "code_verifier");
        if (authorizationCode is null || verifier is null)
        {
            throw Failed("The device approval response lacks \"authorization_code\" or \"code_verifier\".", "Try signing in again.");
        }

        return new DeviceApproval(authorizationCode, verifier);
    }

    public async Task<TokenSet> ExchangeCodeAsync(string code, string codeVerifier, Uri redirectUri, CancellationToken cancellationToken)
    {
        KeyValuePair<string, string>[] form =
        [
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri.OriginalString),
            new("client_id", options.ClientId),
            new("code_verifier", codeVerifier),
        ];
        using HttpResponseMessage response = await SendAsync(options.TokenUrl, () => new FormUrlEncodedContent(form), "exchanging the authorization code", cancellationToken).ConfigureAwait(false);
        JsonObject json = await ReadSuccessAsync(response, "exchanging the authorization code", cancellationToken).ConfigureAwait(false);
        string? id = JsonFields.NonBlank(json, "id_token");
        string? access = JsonFields.NonBlank(json, "access_token");
        string? refresh = JsonFields.NonBlank(json, "refresh_token");
        if (id is null || access is null || refresh is null)
        {
            throw Failed("The token response lacks \"id_token\", \"access_token\" or \"refresh_token\".", "Try signing in again.");
        }

        return new TokenSet(id, access, refresh);
    }

    /// <summary>Best effort: <see langword="true"/> when the issuer answered 2xx; never throws except on cancellation.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["token"] = refreshToken,
            ["token_type_hint"] = "refresh_token",
            ["client_id"] = options.ClientId,
        };
        try
        {
            using HttpResponseMessage response = await SendAsync(options.EffectiveRevokeUrl, () => JsonContent(body), "revoking the refresh token", cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (CodexAuthException)
        {
            return false;
        }
    }

    internal static TimeSpan ReadInterval(JsonNode? node)
    {
        // PROTOCOL §8: the interval is a JSON *string* of seconds; accept a number too.
        double seconds = 5;
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out string? s) && double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                seconds = parsed;
            }
            else if (v.TryGetValue(out double d))
            {
                seconds = d;
            }
        }

        if (double.IsNaN(seconds) || seconds < 0)
        {
            seconds = 5;
        }

        return TimeSpan.FromSeconds(Math.Min(seconds, 300));
    }

    private static StringContent JsonContent(JsonObject body)
    {
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = s_json;
        return content;
    }

    private Task<HttpResponseMessage> SendAsync(Uri url, Func<HttpContent> content, string what, CancellationToken cancellationToken) =>
        backchannel.SendAsync(
            new BackchannelCall($"The sign-in server call ({what})", url, CodexAuthFailureReason.SignInFailed, "Check the network connection and try again."),
            static state =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, state.Url) { Content = state.Content() };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                return request;
            },
            (Url: url, Content: content),
            cancellationToken);

    private static async Task<JsonObject> ReadSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        byte[] body = await BackchannelClient.ReadBodyAsync(
            new BackchannelCall($"The sign-in server call ({what})", response.RequestMessage?.RequestUri ?? new Uri("https://unknown.invalid/"), CodexAuthFailureReason.SignInFailed, "Try signing in again."),
            response,
            cancellationToken).ConfigureAwait(false);
        JsonObject? json = JsonFields.TryParseObject(body);

        if (!response.IsSuccessStatusCode)
        {
            string? code = JsonFields.OAuthErrorCode(json);
            throw Failed(
                $"The sign-in server refused {what}: HTTP {(int)response.StatusCode}{(code is null ? string.Empty : " (" + code + ")")}.",
                "Try signing in again.");
        }

        return json ?? throw Failed($"The sign-in server's answer to {what} is not a JSON object.", "Try signing in again.");
    }


    internal static CodexAuthException Failed(string message, string remediation, Exception? inner = null) =>
        new(CodexAuthFailureReason.SignInFailed, message, remediation, inner);
}
