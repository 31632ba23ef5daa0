using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Internal;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Codex.Auth.ChatGpt;

/// <summary>Sends the OAuth refresh request (PROTOCOL §4) with Polly retries for transient failures.</summary>
internal sealed class TokenRefreshClient
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _clientId;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public TokenRefreshClient(HttpClient http, Uri endpoint, string clientId, TimeProvider time, int maxRetries, TimeSpan retryDelay, TimeSpan attemptTimeout)
    {
        _http = http;
        _endpoint = endpoint;
        _clientId = clientId;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryDelay,
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result, time.GetUtcNow())),
                OnRetry = static args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        if (attemptTimeout > TimeSpan.Zero)
        {
            builder.AddTimeout(attemptTimeout);
        }

        _pipeline = builder.Build();
    }

    public Uri Endpoint => _endpoint;

    /// <summary>Refreshes. Throws <see cref="CodexAuthException"/>: a permanent reason, or <see cref="CodexAuthFailureReason.RefreshFailed"/>.</summary>
    public async Task<TokenRefreshResult> RefreshAsync(string refreshToken, RefreshReason reason, CancellationToken cancellationToken)
    {
        byte[] body = BuildBody(_clientId, refreshToken, reason);
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async (state, ct) =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, state.Endpoint)
                    {
                        Content = new ByteArrayContent(state.Body) { Headers = { ContentType = s_json } },
                    };
                    return await state.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                },
                (Http: _http, Endpoint: _endpoint, Body: body),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.RefreshFailed,
                $"Refreshing the ChatGPT token at {_endpoint.GetLeftPart(UriPartial.Path)} failed: {ex.GetType().Name}. The current token is kept.",
                "Check the network connection; the refresh is retried automatically.",
                ex);
        }

        using (response)
        {
            byte[]? answer = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                throw Transient($"the token endpoint answered {(int)response.StatusCode} with more than {JsonTree.MaxCredentialBytes} bytes");
            }

            JsonObject? json = JsonFields.TryParseObject(answer);
            if (response.IsSuccessStatusCode)
            {
                if (json is null)
                {
                    throw Transient($"the token endpoint answered {(int)response.StatusCode} with a body that is not a JSON object");
                }

                var result = new TokenRefreshResult(
                    JsonFields.NonBlank(json, "id_token"),
                    JsonFields.NonBlank(json, "access_token"),
                    JsonFields.NonBlank(json, "refresh_token"));
                return result;
            }

            string? code = JsonFields.OAuthErrorCode(json);
            if (RefreshFailure.ClassifyPermanent(response.StatusCode, code) is { } permanent)
            {
                throw new CodexAuthException(permanent, RefreshFailure.Describe(permanent), CodexAuthException.SignInAgain);
            }

            throw Transient($"the token endpoint answered {(int)response.StatusCode}{(code is null ? string.Empty : " (" + code + ")")}");
        }
    }

    private async Task<byte[]?> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await BoundedContent.ReadAsync(response.Content, JsonTree.MaxCredentialBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.RefreshFailed,
                $"Refreshing the ChatGPT token at {_endpoint.GetLeftPart(UriPartial.Path)} failed while reading the answer: {ex.GetType().Name}. The current token is kept.",
                "Check the network connection; the refresh is retried automatically.",
                ex);
        }
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), capped at 2 minutes; <see langword="null"/> lets Polly's back-off decide.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, DateTimeOffset now)
    {
        RetryConditionHeaderValue? retryAfter = response?.Headers.RetryAfter;
        TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return delay is { } d && d > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(d.Ticks, TimeSpan.FromMinutes(2).Ticks)) : null;
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

    private static CodexAuthException Transient(string what) =>
        new(
            CodexAuthFailureReason.RefreshFailed,
            $"Refreshing the ChatGPT token failed: {what}. The current token is kept.",
            "This is usually temporary; the refresh is retried automatically.");
}
