using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Registers an agent task (PROTOCOL §5.3): up to <see cref="MaxAttempts"/> attempts, retrying only HTTP 429, 5xx,
/// timeouts and connection errors, with delays taken from the <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AgentTaskRegistrar
{
    /// <summary>The most attempts made for one registration.</summary>
    public const int MaxAttempts = 3;

    private readonly HttpClient _http;
    private readonly Uri _authApiBaseUrl;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public AgentTaskRegistrar(HttpClient http, Uri authApiBaseUrl, TimeProvider time, TimeSpan retryDelay, TimeSpan attemptTimeout)
    {
        _http = http;
        _authApiBaseUrl = authApiBaseUrl;
        _time = time;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = MaxAttempts - 1,
                Delay = retryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken)),
            })
            .AddTimeout(attemptTimeout)
            .Build();
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
        int attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    string timestamp = AgentAssertion.FormatTimestamp(_time.GetUtcNow());
                    using var request = new HttpRequestMessage(HttpMethod.Post, url)
                    {
                        Content = new ByteArrayContent(AgentAssertion.BuildRegistrationBody(credential.Key, credential.RuntimeId, timestamp)),
                    };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Failed(credential, $"the registration endpoint could not be reached after {attempts} attempt(s)", ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                string after = IsTransientStatus(response.StatusCode) ? $" after {attempts} attempt(s)" : string.Empty;
                throw Failed(credential, $"the server answered HTTP {(int)response.StatusCode}{after}", null);
            }

            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return ReadTaskId(credential, body);
        }
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


    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken callerToken) =>
        outcome.Exception switch
        {
            null => outcome.Result is { } r && IsTransientStatus(r.StatusCode),
            HttpRequestException or TimeoutRejectedException => true,
            OperationCanceledException => !callerToken.IsCancellationRequested, // HttpClient.Timeout
            _ => false,
        };

    private static bool IsTransientStatus(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static CodexAuthException Failed(AgentIdentityCredential credential, string what, Exception? inner) =>
        new(
            CodexAuthFailureReason.TaskRegistrationFailed,
            $"Registering a task for agent {credential.RuntimeId} failed: {what}.",
            "Check network access to the accounts API (or CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL) and that the agent identity is still valid, then try again.",
            inner);
}
