using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Backchannel;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Registers an agent task (PROTOCOL §5.3): up to <see cref="MaxAttempts"/> attempts, retrying only HTTP 429, 5xx,
/// timeouts and connection errors, with delays taken from the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AgentTaskRegistrar
{
    /// <summary>The most attempts made for one registration.</summary>
    public const int MaxAttempts = 3;

    private readonly BackchannelClient _backchannel;
    private readonly Uri _authApiBaseUrl;
    private readonly TimeProvider _time;

    public AgentTaskRegistrar(BackchannelClient backchannel, Uri authApiBaseUrl, TimeProvider time)
    {
        _backchannel = backchannel;
        _authApiBaseUrl = authApiBaseUrl;
        _time = time;
    }

    /// <summary>Registers a task for <paramref name="credential"/> and returns its id.</summary>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.TaskRegistrationFailed"/>.</exception>
    public async Task<string> RegisterAsync(AgentIdentityCredential credential, CancellationToken cancellationToken)
    {
        using Activity? activity = Instrumentation.StartActivity(CodexAuthTelemetry.TaskRegistrationActivityName, ActivityKind.Client);
        activity?.SetTag(CodexAuthTelemetry.AgentRuntimeIdTag, credential.RuntimeId);
        try
        {
            string taskId = await RegisterCoreAsync(credential, cancellationToken).ConfigureAwait(false);
            Instrumentation.RecordTaskRegistration("success");
            activity?.SetTag(CodexAuthTelemetry.OutcomeTag, "success");
            return taskId;
        }
        catch (Exception ex)
        {
            Instrumentation.RecordTaskRegistration("failure");
            activity?.SetFailure(ex);
            throw;
        }
    }

    private async Task<string> RegisterCoreAsync(AgentIdentityCredential credential, CancellationToken cancellationToken)
    {
        Uri url = AgentIdentityEndpoints.TaskRegistrationUrl(_authApiBaseUrl, credential.RuntimeId);
        var call = new BackchannelCall(
            $"Registering a task for agent {credential.RuntimeId}",
            url,
            CodexAuthFailureReason.TaskRegistrationFailed,
            "Check network access to the accounts API (or CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL) and that the agent identity is still valid, then try again.");
        using HttpResponseMessage response = await _backchannel.SendAsync(
            call,
            static state =>
            {
                // A fresh timestamp per attempt: the signature covers it.
                string timestamp = AgentAssertion.FormatTimestamp(state.Time.GetUtcNow());
                var request = new HttpRequestMessage(HttpMethod.Post, state.Url)
                {
                    Content = new ByteArrayContent(AgentAssertion.BuildRegistrationBody(state.Credential.Key, state.Credential.RuntimeId, timestamp)),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                return request;
            },
            (Url: url, Credential: credential, Time: _time),
            cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw BackchannelErrors.Status(call, response.StatusCode, null, 1);
        }

        byte[] body = await BackchannelClient.ReadBodyAsync(call, response, cancellationToken).ConfigureAwait(false);
        return ReadTaskId(credential, body);
    }

    private static string ReadTaskId(AgentIdentityCredential credential, byte[] body)
    {
        JsonObject root = JsonFields.TryParseObject(body)
            ?? throw Failed(credential, "the response is not a JSON object", null);

        string? taskId = JsonFields.NonBlank(root, "task_id") ?? JsonFields.NonBlank(root, "taskId");
        if (taskId is null && (JsonFields.NonBlank(root, "encrypted_task_id") ?? JsonFields.NonBlank(root, "encryptedTaskId")) is { } encrypted)
        {
            try
            {
                byte[] plaintext = credential.Key.OpenSealedBox(Convert.FromBase64String(encrypted));
                taskId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plaintext);
            }
            catch (Exception ex) when (ex is FormatException or CryptographicException or ArgumentException or DecoderFallbackException)
            {
                throw Failed(credential, "the encrypted task id cannot be opened with this agent's key", ex);
            }
        }

        if (string.IsNullOrEmpty(taskId))
        {
            throw Failed(credential, "the response carries no task id", null);
        }

        return taskId;
    }


    private static CodexAuthException Failed(AgentIdentityCredential credential, string what, Exception? inner) =>
        new(
            CodexAuthFailureReason.TaskRegistrationFailed,
            $"Registering a task for agent {credential.RuntimeId} failed: {what}.",
            "Check network access to the accounts API (or CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL) and that the agent identity is still valid, then try again.",
            inner);
}
