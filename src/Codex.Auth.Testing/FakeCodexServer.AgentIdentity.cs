using System.Buffers.Text;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sodium;

namespace Codex.Auth.Testing;

/// <content>Agent identities and personal access tokens (PROTOCOL §5–§6).</content>
public sealed partial class FakeCodexServer
{
    /// <summary>The <c>iss</c> of agent-identity JWTs.</summary>
    public const string AgentIdentityIssuer = "https://chatgpt.com/codex-backend/agent-identity";

    /// <summary>The <c>aud</c> of agent-identity JWTs.</summary>
    public const string AgentIdentityAudience = "codex-app-server";

    private const string AssertionTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private static readonly TimeSpan AssertionSkew = TimeSpan.FromMinutes(5);
    private static readonly string[] AssertionFields = ["agent_runtime_id", "signature", "task_id", "timestamp"];

    private readonly Dictionary<string, AgentRuntimeState> _agentRuntimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeAccount> _personalAccessTokens = new(StringComparer.Ordinal);

    /// <summary>Gets the <c>kid</c> of the server's RS256 signing key, as published in the agent-identity JWKS.</summary>
    public string SigningKeyId => _signer.KeyId;

    /// <summary>Gets the agent-identity JWKS URL, <c>{chatgpt base}wham/agent-identities/jwks</c> (no credentials needed).</summary>
    public Uri AgentIdentityJwksUrl => new(BaseAddress, "backend-api/wham/agent-identities/jwks");

    /// <summary>
    /// Creates an agent runtime with a fresh Ed25519 key, bound to the given account. Its task registrations
    /// and <c>AgentAssertion</c> headers are then accepted by the server.
    /// </summary>
    /// <param name="accountId">The ChatGPT account id.</param>
    /// <param name="email">The email claim (empty for none).</param>
    /// <param name="plan">The plan type claim.</param>
    /// <param name="isFedRamp">The FedRAMP claim.</param>
    /// <param name="userId">The user id; defaults to <c>user-{accountId}</c>.</param>
    /// <param name="encryptTaskId">Answer task registration with <c>encrypted_task_id</c> (libsodium sealed box) instead of <c>task_id</c>.</param>
    /// <returns>The runtime, with its keys and an identity JWT.</returns>
    /// <example>
    /// <code>
    /// FakeAgentRuntime agent = server.CreateAgentRuntime("acct_1", encryptTaskId: true);
    /// string jwt = agent.IdentityJwt;            // verify against server.AgentIdentityJwksUrl
    /// </code>
    /// </example>
    public FakeAgentRuntime CreateAgentRuntime(string accountId = "acct_test", string email = "dev@example.com", string plan = "plus", bool isFedRamp = false, string? userId = null, bool encryptTaskId = false)
    {
        var account = FakeAccount.Create(accountId, email, plan, isFedRamp, userId);
        (byte[] seed, byte[] publicKey) = Ed25519Keys.Generate();
        var runtime = new FakeAgentRuntime(RandomIds.New("agrt_", 12), account, seed, publicKey, encryptTaskId, MintAgentIdentityJwt);
        lock (_lock)
        {
            _agentRuntimes[runtime.AgentRuntimeId] = new AgentRuntimeState(runtime, publicKey);
        }

        return runtime;
    }

    /// <summary>Returns the task ids registered so far for an agent runtime, in order.</summary>
    /// <param name="agentRuntimeId">The runtime id.</param>
    /// <returns>The task ids (empty when none or the runtime is unknown).</returns>
    public IReadOnlyList<string> AgentTasks(string agentRuntimeId)
    {
        lock (_lock)
        {
            return _agentRuntimes.TryGetValue(agentRuntimeId, out AgentRuntimeState? state) ? [.. state.TaskIds] : [];
        }
    }

    /// <summary>Creates a personal access token (<c>at-…</c>) for an account, accepted by whoami and the backend.</summary>
    /// <param name="accountId">The ChatGPT account id.</param>
    /// <param name="email">The email.</param>
    /// <param name="plan">The plan type.</param>
    /// <param name="isFedRamp">The FedRAMP flag.</param>
    /// <param name="userId">The user id; defaults to <c>user-{accountId}</c>.</param>
    /// <returns>The token.</returns>
    public string CreatePersonalAccessToken(string accountId = "acct_test", string email = "dev@example.com", string plan = "plus", bool isFedRamp = false, string? userId = null)
    {
        var account = FakeAccount.Create(accountId, email, plan, isFedRamp, userId);
        string token = RandomIds.New("at-", 24);
        lock (_lock)
        {
            _personalAccessTokens[token] = account;
        }

        return token;
    }

    private string MintAgentIdentityJwt(FakeAgentRuntime runtime, bool embedV2Key, TimeSpan lifetime)
    {
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new JsonObject
        {
            ["iss"] = AgentIdentityIssuer,
            ["aud"] = AgentIdentityAudience,
            ["iat"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
            ["agent_runtime_id"] = runtime.AgentRuntimeId,
            ["agent_private_key"] = embedV2Key ? runtime.PrivateKeyPkcs8V2 : runtime.PrivateKeyPkcs8V1,
            ["account_id"] = runtime.AccountId,
            ["chatgpt_user_id"] = runtime.UserId,
            ["email"] = runtime.Email,
            ["plan_type"] = runtime.Plan,
            ["chatgpt_account_is_fedramp"] = runtime.IsFedRamp,
        };
        return _signer.Sign(payload, _signer.KeyId);
    }

    private void MapAgentIdentityEndpoints(IEndpointRouteBuilder app)
    {
        app.MapGet("/backend-api/wham/agent-identities/jwks", (RequestDelegate)(context =>
            WriteJsonAsync(context, 200, new JsonObject { ["keys"] = new JsonArray(_signer.Jwk()) })));
        app.MapPost("/api/accounts/v1/agent/{agentRuntimeId}/task/register", (RequestDelegate)HandleTaskRegisterAsync);
        app.MapGet("/api/accounts/v1/user-auth-credential/whoami", (RequestDelegate)HandleWhoAmIAsync);
    }

    private bool TryParseTimestamp(string? text, out DateTimeOffset timestamp) =>
        DateTimeOffset.TryParseExact(text, AssertionTimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp)
        && (timestamp - _time.GetUtcNow()).Duration() <= AssertionSkew;

    private static byte[]? TryFromBase64(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task HandleTaskRegisterAsync(HttpContext context)
    {
        string runtimeId = context.Request.RouteValues["agentRuntimeId"] as string ?? string.Empty;
        AgentRuntimeState? state;
        lock (_lock)
        {
            _agentRuntimes.TryGetValue(runtimeId, out state);
        }

        if (state is null)
        {
            await WriteErrorAsync(context, 404, "agent_runtime_not_found", "Unknown agent runtime.").ConfigureAwait(false);
            return;
        }

        JsonObject? body = IsJson(context.Request) ? ReadJsonObject(context) : null;
        if (body is null || body.Count != 2 || StringProperty(body, "timestamp") is not { } timestamp || StringProperty(body, "signature") is not { } signatureText)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Expected exactly {\"timestamp\":…,\"signature\":…}.").ConfigureAwait(false);
            return;
        }

        if (!TryParseTimestamp(timestamp, out _))
        {
            await WriteErrorAsync(context, 401, "invalid_timestamp", "The timestamp is malformed or more than 5 minutes away.").ConfigureAwait(false);
            return;
        }

        byte[]? signature = TryFromBase64(signatureText);
        if (signature is null || !Ed25519Keys.Verify(state.PublicKey, Encoding.UTF8.GetBytes(runtimeId + ":" + timestamp), signature))
        {
            await WriteErrorAsync(context, 401, "invalid_signature", "The signature does not verify.").ConfigureAwait(false);
            return;
        }

        string taskId = RandomIds.New("task_", 12);
        lock (_lock)
        {
            state.TaskIds.Add(taskId);
        }

        JsonObject answer = state.Runtime.EncryptTaskId
            ? new JsonObject
            {
                ["encrypted_task_id"] = Convert.ToBase64String(SealedPublicKeyBox.Create(
                    Encoding.UTF8.GetBytes(taskId),
                    PublicKeyAuth.ConvertEd25519PublicKeyToCurve25519PublicKey(state.PublicKey))),
            }
            : new JsonObject { ["task_id"] = taskId };
        await WriteJsonAsync(context, 200, answer).ConfigureAwait(false);
    }

    private async Task HandleWhoAmIAsync(HttpContext context)
    {
        string authorization = context.Request.Headers.Authorization.ToString();
        FakeAccount? account = null;
        if (AuthenticationHeaderValue.TryParse(authorization, out AuthenticationHeaderValue? header)
            && string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            && header.Parameter is { } token)
        {
            lock (_lock)
            {
                _personalAccessTokens.TryGetValue(token, out account);
            }
        }

        if (account is null)
        {
            await WriteErrorAsync(context, 401, "invalid_personal_access_token", "Unknown personal access token.").ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["email"] = account.Email,
            ["chatgpt_user_id"] = account.UserId,
            ["chatgpt_account_id"] = account.AccountId,
            ["chatgpt_plan_type"] = account.Plan,
            ["chatgpt_account_is_fedramp"] = account.IsFedRamp,
        }).ConfigureAwait(false);
    }

    private (BackendCaller? Caller, string Code, string Message) AuthenticatePersonalAccessToken(string token)
    {
        lock (_lock)
        {
            return _personalAccessTokens.TryGetValue(token, out FakeAccount? account)
                ? (new BackendCaller(account, "personal_access_token"), string.Empty, string.Empty)
                : (null, "token_invalid", "Unknown personal access token.");
        }
    }

    private (BackendCaller? Caller, string Code, string Message) AuthenticateAgentAssertion(string assertion)
    {
        const string Malformed = "agent_assertion_malformed";
        if (assertion.Contains('=', StringComparison.Ordinal) || !Base64Url.IsValid(assertion))
        {
            return (null, Malformed, "The assertion is not base64url without padding.");
        }

        byte[] envelope = Base64Url.DecodeFromChars(assertion);
        string?[] values = new string?[AssertionFields.Length];
        try
        {
            var reader = new Utf8JsonReader(envelope);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, Malformed, "The envelope is not a JSON object.");
            }

            for (int i = 0; i < AssertionFields.Length; i++)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(AssertionFields[i]))
                {
                    return (null, Malformed, "The envelope must have exactly agent_runtime_id, signature, task_id, timestamp in that order.");
                }

                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return (null, Malformed, $"'{AssertionFields[i]}' must be a string.");
                }

                values[i] = reader.GetString();
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return (null, Malformed, "The envelope has extra content.");
            }
        }
        catch (JsonException)
        {
            return (null, Malformed, "The envelope is not valid JSON.");
        }

        (string runtimeId, string signatureText, string taskId, string timestamp) = (values[0]!, values[1]!, values[2]!, values[3]!);
        AgentRuntimeState? state;
        bool knownTask;
        lock (_lock)
        {
            knownTask = _agentRuntimes.TryGetValue(runtimeId, out state) && state.TaskIds.Contains(taskId);
        }

        if (state is null)
        {
            return (null, "agent_runtime_not_found", "Unknown agent runtime.");
        }

        if (!knownTask)
        {
            return (null, "agent_task_not_found", "The task id was not registered for this runtime.");
        }

        if (!TryParseTimestamp(timestamp, out _))
        {
            return (null, "invalid_timestamp", "The timestamp is malformed or more than 5 minutes away.");
        }

        byte[]? signature = TryFromBase64(signatureText);
        if (signature is null || !Ed25519Keys.Verify(state.PublicKey, Encoding.UTF8.GetBytes($"{runtimeId}:{taskId}:{timestamp}"), signature))
        {
            return (null, "invalid_signature", "The assertion signature does not verify.");
        }

        return (new BackendCaller(new FakeAccount(state.Runtime.AccountId, state.Runtime.Email, state.Runtime.Plan, state.Runtime.IsFedRamp, state.Runtime.UserId), "agent_identity"), string.Empty, string.Empty);
    }
}
