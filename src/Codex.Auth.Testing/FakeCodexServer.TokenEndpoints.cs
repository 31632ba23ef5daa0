using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Codex.Auth.Testing;

/// <content>The OAuth token and revocation endpoints.</content>
public sealed partial class FakeCodexServer
{
    private void MapTokenEndpoints(IEndpointRouteBuilder app)
    {
        app.MapPost("/oauth/token", (RequestDelegate)HandleTokenAsync);
        app.MapPost("/oauth/revoke", (RequestDelegate)HandleRevokeAsync);
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    private static bool IsForm(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static string BodyOf(HttpContext context) =>
        context.Items[typeof(RecordedRequest)] is RecordedRequest recorded ? recorded.Body : string.Empty;

    /// <summary>Reads a JSON object body; null when the body is not a JSON object.</summary>
    private static JsonObject? ReadJsonObject(HttpContext context)
    {
        try
        {
            return JsonNode.Parse(BodyOf(context)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringProperty(JsonObject body, string name) =>
        body.TryGetPropertyValue(name, out JsonNode? node) && node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private async Task HandleTokenAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        JsonObject? json = IsJson(request) ? ReadJsonObject(context) : null;
        IFormCollection? form = IsForm(request) ? await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false) : null;
        string? grantType = json is not null ? StringProperty(json, "grant_type") : form?["grant_type"].ToString();

        if (string.Equals(grantType, "refresh_token", StringComparison.Ordinal))
        {
            lock (_lock)
            {
                _refreshReasons.Add(json is not null ? StringProperty(json, "refresh_reason") ?? string.Empty : form?["refresh_reason"].ToString() ?? string.Empty);
            }
        }

        if (TokenFaults.TryDequeue() is { } scripted)
        {
            if (scripted.Gate is { } gate)
            {
                await gate.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await WriteScriptedAsync(context, scripted).ConfigureAwait(false);
                return;
            }
        }

        switch (grantType)
        {
            case "refresh_token" when json is not null:
                await HandleRefreshAsync(context, json).ConfigureAwait(false);
                return;
            case "refresh_token":
                await WriteErrorAsync(context, 400, "invalid_request", "The refresh_token grant must be sent as an application/json object.").ConfigureAwait(false);
                return;
            case "authorization_code" when form is not null:
                await HandleAuthorizationCodeAsync(context, form).ConfigureAwait(false);
                return;
            case "authorization_code":
                await WriteOAuthErrorAsync(context, 400, "invalid_request", "The authorization_code grant must be sent form-encoded.").ConfigureAwait(false);
                return;
            case null when json is null && form is null:
                await WriteErrorAsync(context, 400, "invalid_request", "Expected an application/json or form-encoded body.").ConfigureAwait(false);
                return;
            default:
                await WriteOAuthErrorAsync(context, 400, "unsupported_grant_type", $"Unsupported grant_type '{grantType}'.").ConfigureAwait(false);
                return;
        }
    }

    private async Task HandleRefreshAsync(HttpContext context, JsonObject body)
    {
        string? clientId = StringProperty(body, "client_id");
        string? refreshToken = StringProperty(body, "refresh_token");
        if (!string.Equals(clientId, ClientId, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 401, "invalid_client", "Unknown or missing client_id.").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(refreshToken))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Missing refresh_token.").ConfigureAwait(false);
            return;
        }

        FakeSignIn? rotated = null;
        int status = 0;
        string code = string.Empty;
        string message = string.Empty;
        lock (_lock)
        {
            if (!_refreshTokens.TryGetValue(refreshToken, out RefreshTokenState? state))
            {
                (status, code, message) = (401, "refresh_token_invalidated", "Your refresh token is not valid. Please try signing in again.");
            }
            else
            {
                switch (state.Status)
                {
                    case RefreshTokenStatus.Current:
                        rotated = IssueTokensLocked(AccountOf(_sessions[state.AccountId]), RefreshTokenStatus.Spent);
                        break;
                    case RefreshTokenStatus.Spent:
                        (status, code, message) = (400, "refresh_token_reused", "Your refresh token has already been used to generate a new access token. Please try signing in again.");
                        break;
                    case RefreshTokenStatus.Revoked:
                        (status, code, message) = (400, "refresh_token_invalidated", "Your refresh token has been revoked. Please try signing in again.");
                        break;
                    default:
                        (status, code, message) = (401, "refresh_token_invalidated", "Your refresh token has been invalidated by a newer sign-in. Please try signing in again.");
                        break;
                }
            }
        }

        if (rotated is null)
        {
            await WriteErrorAsync(context, status, code, message).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, TokenResponse(rotated)).ConfigureAwait(false);
    }

    private static JsonObject TokenResponse(FakeSignIn signIn) => new()
    {
        ["id_token"] = signIn.IdToken,
        ["access_token"] = signIn.AccessToken,
        ["refresh_token"] = signIn.RefreshToken,
        ["token_type"] = "bearer",
        ["expires_in"] = (long)(signIn.AccessTokenExpiresAt - signIn.IssuedAt).TotalSeconds,
        ["scope"] = "openid profile email offline_access",
    };

    private static Task WriteOAuthErrorAsync(HttpContext context, int status, string error, string description) =>
        WriteJsonAsync(context, status, new JsonObject { ["error"] = error, ["error_description"] = description });

    private async Task HandleRevokeAsync(HttpContext context)
    {
        JsonObject? body = IsJson(context.Request) ? ReadJsonObject(context) : null;
        if (body is null)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Expected an application/json object.").ConfigureAwait(false);
            return;
        }

        string? token = StringProperty(body, "token");
        if (!string.Equals(StringProperty(body, "client_id"), ClientId, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 401, "invalid_client", "Unknown or missing client_id.").ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrEmpty(token))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Missing token.").ConfigureAwait(false);
            return;
        }

        lock (_lock)
        {
            _revokedTokens.Add(token);
            if (_refreshTokens.TryGetValue(token, out RefreshTokenState? state))
            {
                if (state.Status == RefreshTokenStatus.Current && _sessions.TryGetValue(state.AccountId, out FakeSignIn? session))
                {
                    // Revoking the live refresh token ends the session: its access token stops working too.
                    _accessTokens.Remove(session.AccessToken);
                }

                state.Status = RefreshTokenStatus.Revoked;
            }
        }

        // RFC 7009: the answer is 200 whether or not the token was known.
        await WriteJsonAsync(context, 200, "{}").ConfigureAwait(false);
    }
}
