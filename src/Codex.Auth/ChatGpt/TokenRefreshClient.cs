using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Backchannel;
using Codex.Auth.Internal;

namespace Codex.Auth.ChatGpt;

/// <summary>Sends the OAuth refresh request (PROTOCOL §4) through the back channel and classifies its answer.</summary>
internal sealed class TokenRefreshClient
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly BackchannelClient _backchannel;
    private readonly BackchannelCall _call;
    private readonly string _clientId;

    public TokenRefreshClient(BackchannelClient backchannel, Uri endpoint, string clientId)
    {
        _backchannel = backchannel;
        _clientId = clientId;
        _call = new BackchannelCall(
            "Refreshing the ChatGPT token",
            endpoint,
            CodexAuthFailureReason.RefreshFailed,
            "This is usually temporary; the refresh is retried automatically.",
            "The current token is kept.");
    }

    public Uri Endpoint => _call.Url;

    /// <summary>Refreshes. Throws <see cref="CodexAuthException"/>: a permanent reason, or <see cref="CodexAuthFailureReason.RefreshFailed"/>.</summary>
    public async Task<TokenRefreshResult> RefreshAsync(string refreshToken, RefreshReason reason, CancellationToken cancellationToken)
    {
        byte[] body = BuildBody(_clientId, refreshToken, reason);
        using HttpResponseMessage response = await _backchannel.SendAsync(
            _call,
            static (state) => new HttpRequestMessage(HttpMethod.Post, state.Url)
            {
                Content = new ByteArrayContent(state.Body) { Headers = { ContentType = s_json } },
            },
            (Url: _call.Url, Body: body),
            cancellationToken,
            acceptTransientStatus: true).ConfigureAwait(false);

        byte[] answer = await BackchannelClient.ReadBodyAsync(_call, response, cancellationToken).ConfigureAwait(false);
        JsonObject? json = JsonFields.TryParseObject(answer);
        if (response.IsSuccessStatusCode)
        {
            if (json is null)
            {
                throw BackchannelErrors.BadAnswer(_call, $"the token endpoint answered {(int)response.StatusCode} with a body that is not a JSON object");
            }

            return new TokenRefreshResult(
                JsonFields.NonBlank(json, "id_token"),
                JsonFields.NonBlank(json, "access_token"),
                JsonFields.NonBlank(json, "refresh_token"));
        }

        string? code = JsonFields.OAuthErrorCode(json);
        if (RefreshFailure.ClassifyPermanent(response.StatusCode, code) is { } permanent)
        {
            throw new CodexAuthException(permanent, RefreshFailure.Describe(permanent), CodexAuthException.SignInAgain);
        }

        throw BackchannelErrors.Status(_call, response.StatusCode, code, _backchannel.MaxAttempts);
    }

    internal static byte[] BuildBody(string clientId, string refreshToken, RefreshReason reason)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("client_id", clientId);
            writer.WriteString("grant_type", "refresh_token");
            writer.WriteString("refresh_reason", reason == RefreshReason.UnauthorizedRecovery ? "unauthorized_recovery" : "proactive_expiry");
            writer.WriteString("refresh_token", refreshToken);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

}
