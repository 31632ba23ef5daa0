using System.Net;
using System.Net.Http.Headers;
using Codex.Auth.Internal;
using Polly;
using Polly.Retry;

namespace Codex.Auth.Backchannel;

/// <summary>
/// Sends one back-channel call with the module's rules: the endpoint is checked (HTTPS, or HTTP to loopback), the
/// request goes through the one resilience pipeline (bounded retries of transient outcomes with exponential back-off,
/// jitter and <c>Retry-After</c>; a time limit per attempt), a redirect is never followed, and a failure to get an
/// answer becomes a <see cref="CodexAuthException"/>. What a non-redirect answer means is the caller's business.
/// </summary>
internal sealed class BackchannelClient
{
    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public BackchannelClient(IHttpClientFactory clients, TimeProvider time, BackchannelPolicy policy)
    {
        _clients = clients;
        _time = time;
        _pipeline = CreatePipeline(time, policy);
        MaxAttempts = Math.Max(0, policy.MaxRetries) + 1;
    }

    /// <summary>Gets the most attempts one call makes.</summary>
    public int MaxAttempts { get; }

    /// <summary>Builds the one pipeline every back-channel call uses.</summary>
    internal static ResiliencePipeline<HttpResponseMessage> CreatePipeline(TimeProvider time, BackchannelPolicy policy)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (policy.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = policy.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = policy.BaseDelay,
                MaxDelay = BackchannelPolicy.MaxDelay,
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome switch
                {
                    { Exception: { } ex } => BackchannelErrors.IsTransient(ex, args.Context.CancellationToken),
                    { Result: { } response } => BackchannelErrors.IsTransient(response.StatusCode),
                    _ => false,
                }),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result, time.GetUtcNow())),
                OnRetry = static args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        if (policy.AttemptTimeout > TimeSpan.Zero)
        {
            builder.AddTimeout(policy.AttemptTimeout);
        }

        return builder.Build();
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or a date), capped at <see cref="BackchannelPolicy.MaxRetryAfter"/>; <see langword="null"/> lets the back-off decide.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, DateTimeOffset now)
    {
        RetryConditionHeaderValue? retryAfter = response?.Headers.RetryAfter;
        TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return delay is { } d && d > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(d.Ticks, BackchannelPolicy.MaxRetryAfter.Ticks)) : null;
    }

    /// <summary>
    /// Sends the request <paramref name="createRequest"/> builds (once per attempt) and returns the final answer, which
    /// is neither a redirect nor — unless <paramref name="acceptTransientStatus"/> — a transient status.
    /// </summary>
    /// <exception cref="CodexAuthException">The endpoint is not allowed, could not be reached, redirected, or kept answering a transient status.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<HttpResponseMessage> SendAsync<TState>(
        BackchannelCall call,
        Func<TState, HttpRequestMessage> createRequest,
        TState state,
        CancellationToken cancellationToken,
        bool acceptTransientStatus = false)
    {
        BackchannelEndpoints.Require(call.Url, call.Purpose);
        HttpClient http = _clients.CreateClient(CodexBackchannel.HttpClientName);
        int attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async (ctx, token) =>
                {
                    attempts++;
                    using HttpRequestMessage request = ctx.Create(ctx.State);
                    return await ctx.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                },
                (Create: createRequest, State: state, Http: http),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BackchannelErrors.IsTransient(ex, cancellationToken))
        {
            throw BackchannelErrors.Unreachable(call, ex, attempts);
        }

        if (BackchannelErrors.IsRedirect(response.StatusCode) || (!acceptTransientStatus && BackchannelErrors.IsTransient(response.StatusCode)))
        {
            HttpStatusCode status = response.StatusCode;
            response.Dispose();
            throw BackchannelErrors.Status(call, status, null, attempts);
        }

        return response;
    }

    /// <summary>
    /// Reads an answer's body, at most <see cref="JsonTree.MaxCredentialBytes"/> (declared or actual), so that a hostile
    /// or broken server cannot make a credential read use unbounded memory.
    /// </summary>
    /// <exception cref="CodexAuthException">The body is larger than the cap, or could not be read.</exception>
    public static async Task<byte[]> ReadBodyAsync(BackchannelCall call, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[]? body;
        try
        {
            body = await BoundedContent.ReadAsync(response.Content, JsonTree.MaxCredentialBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BackchannelErrors.IsTransient(ex, cancellationToken) || ex is IOException)
        {
            throw BackchannelErrors.Unreadable(call, ex);
        }

        return body ?? throw BackchannelErrors.BadAnswer(call, $"the endpoint answered {(int)response.StatusCode} with more than {JsonTree.MaxCredentialBytes} bytes");
    }

    /// <summary>The clock the pipeline waits on.</summary>
    public TimeProvider TimeProvider => _time;
}
