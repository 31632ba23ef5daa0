using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Codex.Auth.Testing;

/// <content>The ChatGPT/Codex backend and the OpenAI API stand-in.</content>
public sealed partial class FakeCodexServer
{
    private const string BackendCallerKey = "Codex.Auth.Testing.BackendCaller";
    private const string RoutingOverrideHeader = "x-openai-account-routing-override";
    private const string ModelPathPrefix = "/backend-api/codex/";

    private void MapBackendEndpoints(IEndpointRouteBuilder app)
    {
        app.MapPost("/backend-api/codex/responses", Protected(HandleResponsesAsync));
        app.MapGet("/backend-api/codex/responses", Protected(HandleResponsesUpgradeAsync));
        app.MapGet("/backend-api/codex/models", Protected(HandleModelsAsync));
        app.MapGet("/backend-api/wham/accounts/check", Protected(HandleAccountsCheckAsync));
        app.Map("/backend-api/{**rest}", Protected(HandleBackendCatchAllAsync));
        app.Map("/v1/{**rest}", (RequestDelegate)HandleApiAsync);
    }

    private RequestDelegate Protected(Func<HttpContext, Task> handler) => async context =>
    {
        if (await AuthorizeBackendAsync(context).ConfigureAwait(false))
        {
            await handler(context).ConfigureAwait(false);
        }
    };

    /// <summary>Applies backend faults and credential checks; writes the error and returns false when the call is refused.</summary>
    private async Task<bool> AuthorizeBackendAsync(HttpContext context)
    {
        if (BackendFaults.TryDequeue() is { } scripted)
        {
            await WriteScriptedAsync(context, scripted).ConfigureAwait(false);
            return false;
        }

        (BackendCaller? caller, string code, string message) = AuthenticateBackendCaller(context.Request);
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteErrorAsync(context, 401, code, message).ConfigureAwait(false);
            return false;
        }

        string? accountHeader = context.Request.Headers["ChatGPT-Account-ID"].ToString();
        if (!string.Equals(accountHeader, caller.AccountId, StringComparison.Ordinal))
        {
            await WriteErrorAsync(
                context,
                401,
                "account_mismatch",
                string.IsNullOrEmpty(accountHeader) ? "Missing ChatGPT-Account-ID header." : "ChatGPT-Account-ID does not match the credential.").ConfigureAwait(false);
            return false;
        }

        if (RoutingRefusal(context, caller) is { } refusal)
        {
            await WriteErrorAsync(context, refusal.Status, refusal.Code, refusal.Message).ConfigureAwait(false);
            return false;
        }

        context.Items[BackendCallerKey] = caller;
        return true;
    }

    /// <summary>
    /// PROTOCOL §9: a constrained account's model calls are served only by its workspace origin, with its override header;
    /// the routed origin serves nothing else.
    /// </summary>
    private (int Status, string Code, string Message)? RoutingRefusal(HttpContext context, BackendCaller caller)
    {
        bool routedOrigin = context.Connection.LocalPort == _routedPort;
        bool modelCall = (context.Request.Path.Value ?? string.Empty).StartsWith(ModelPathPrefix, StringComparison.OrdinalIgnoreCase);
        AccountRouting routing = RoutingOf(caller.AccountId);
        if (routedOrigin && (!modelCall || !routing.IsConstrained))
        {
            return (404, "not_on_this_origin", "This workspace backend origin serves only the model calls of the workspaces routed to it.");
        }

        if (!modelCall || !routing.IsConstrained)
        {
            return null;
        }

        if (!routedOrigin)
        {
            return (401, "workspace_not_authorized_in_region", "Workspace is not authorized in this region.");
        }

        string sent = context.Request.Headers[RoutingOverrideHeader].ToString();
        return string.Equals(sent, routing.RoutingOverride, StringComparison.Ordinal)
            ? null
            : (401, "routing_override_mismatch", $"Expected {RoutingOverrideHeader}: {routing.RoutingOverride}.");
    }

    private AccountRouting RoutingOf(string accountId)
    {
        lock (_lock)
        {
            return _routing.TryGetValue(accountId, out AccountRouting? routing) ? routing : AccountRouting.Unconstrained;
        }
    }

    private (BackendCaller? Caller, string Code, string Message) AuthenticateBackendCaller(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(authorization) || !AuthenticationHeaderValue.TryParse(authorization, out AuthenticationHeaderValue? header) || string.IsNullOrEmpty(header.Parameter))
        {
            return (null, "missing_authorization", "Missing or malformed Authorization header.");
        }

        if (string.Equals(header.Scheme, "AgentAssertion", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateAgentAssertion(header.Parameter);
        }

        if (!string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "token_invalid", $"Unsupported authorization scheme '{header.Scheme}'.");
        }

        string token = header.Parameter;
        if (token.StartsWith("at-", StringComparison.Ordinal))
        {
            return AuthenticatePersonalAccessToken(token);
        }

        lock (_lock)
        {
            if (!_accessTokens.TryGetValue(token, out string? accountId) || !_sessions.TryGetValue(accountId, out FakeSignIn? session))
            {
                return (null, "token_invalid", "Your authentication token is not valid.");
            }

            if (!string.Equals(session.AccessToken, token, StringComparison.Ordinal))
            {
                return (null, "token_superseded", "Your authentication token has been replaced by a newer one.");
            }

            if (_time.GetUtcNow() >= session.AccessTokenExpiresAt)
            {
                return (null, "token_expired", "Your authentication token has expired. Please refresh it.");
            }

            return (new BackendCaller(AccountOf(session), "chatgpt"), string.Empty, string.Empty);
        }
    }

    private static BackendCaller CallerOf(HttpContext context) => (BackendCaller)context.Items[BackendCallerKey]!;

    private async Task HandleResponsesAsync(HttpContext context)
    {
        BackendCaller caller = CallerOf(context);
        JsonObject? body = ReadJsonObject(context);
        bool stream = context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
            || (body is not null && body.TryGetPropertyValue("stream", out JsonNode? flag) && flag is JsonValue value && value.TryGetValue(out bool on) && on);
        string responseId = RandomIds.New("resp_", 12);
        string model = body is null ? "gpt-5-codex" : StringProperty(body, "model") ?? "gpt-5-codex";

        if (!stream)
        {
            await WriteJsonAsync(context, 200, ResponseObject(responseId, model, caller, "completed")).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        JsonObject[] events =
        [
            new() { ["type"] = "response.created", ["response"] = ResponseObject(responseId, model, caller, "in_progress") },
            new() { ["type"] = "response.output_text.delta", ["delta"] = "Hello" },
            new() { ["type"] = "response.output_text.delta", ["delta"] = ", world" },
            new() { ["type"] = "response.completed", ["response"] = ResponseObject(responseId, model, caller, "completed") },
        ];
        for (int i = 0; i < events.Length; i++)
        {
            events[i]["sequence_number"] = i;
            string type = events[i]["type"]!.GetValue<string>();
            await context.Response.WriteAsync($"event: {type}\ndata: {events[i].ToJsonString(JwtSigner.CompactJson)}\n\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>WebSocket transport is not offered: clients such as the Codex CLI then fall back to POST + SSE.</summary>
    private static Task HandleResponsesUpgradeAsync(HttpContext context) =>
        WriteErrorAsync(context, 426, "websocket_not_supported", "This server answers POST /responses with server-sent events only.");

    private static JsonObject ResponseObject(string id, string model, BackendCaller caller, string status) => new()
    {
        ["id"] = id,
        ["object"] = "response",
        ["status"] = status,
        ["model"] = model,
        ["account_id"] = caller.AccountId,
        ["credential"] = caller.Kind,
    };

    private static Task HandleModelsAsync(HttpContext context) =>
        WriteJsonAsync(context, 200, new JsonObject
        {
            ["models"] = new JsonArray(
                new JsonObject { ["slug"] = "gpt-5-codex", ["display_name"] = "gpt-5-codex" },
                new JsonObject { ["slug"] = "gpt-5", ["display_name"] = "gpt-5" }),
        });

    private Task HandleAccountsCheckAsync(HttpContext context)
    {
        if (ScriptedDiscoveryAnswer is { } scripted)
        {
            return WriteJsonAsync(context, 200, scripted);
        }

        BackendCaller caller = CallerOf(context);
        AccountRouting routing = RoutingOf(caller.AccountId);
        var account = new JsonObject
        {
            ["id"] = caller.AccountId,
            ["name"] = caller.Email,
            ["plan_type"] = caller.Plan,
            ["workspace_backend_origin"] = routing.WorkspaceBackendOrigin,
            ["account_routing_override"] = routing.RoutingOverride,
            ["is_fedramp"] = caller.IsFedRamp,
        };
        JsonNode accounts = DiscoveryFormat == FakeDiscoveryFormat.Map
            ? new JsonObject { [caller.AccountId] = new JsonObject { ["account"] = account } }
            : new JsonArray(account);
        return WriteJsonAsync(context, 200, new JsonObject
        {
            ["accounts"] = accounts,
            ["account_ordering"] = new JsonArray(caller.AccountId),
            ["default_account_id"] = caller.AccountId,
        });
    }

    private static Task HandleBackendCatchAllAsync(HttpContext context)
    {
        BackendCaller caller = CallerOf(context);
        return WriteJsonAsync(context, 200, new JsonObject
        {
            ["ok"] = true,
            ["path"] = context.Request.Path.Value,
            ["account_id"] = caller.AccountId,
        });
    }

    private async Task HandleApiAsync(HttpContext context)
    {
        if (BackendFaults.TryDequeue() is { } scripted)
        {
            await WriteScriptedAsync(context, scripted).ConfigureAwait(false);
            return;
        }

        string authorization = context.Request.Headers.Authorization.ToString();
        string? key = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
        bool known;
        lock (_lock)
        {
            known = key is not null && _apiKeys.Contains(key);
        }

        if (!known)
        {
            await WriteJsonAsync(context, 401, new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["message"] = "Incorrect API key provided.",
                    ["type"] = "invalid_request_error",
                    ["code"] = "invalid_api_key",
                },
            }).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["ok"] = true,
            ["object"] = "api.echo",
            ["path"] = context.Request.Path.Value,
        }).ConfigureAwait(false);
    }
}
