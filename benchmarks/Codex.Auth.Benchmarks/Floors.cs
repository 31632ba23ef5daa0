namespace Codex.Auth.Benchmarks;

/// <summary>
/// The floor: a minimal <see cref="DelegatingHandler"/> that sets constant headers by hand, the way an
/// application would without any auth library (remove, then <c>TryAddWithoutValidation</c>).
/// </summary>
public sealed class ManualHeadersHandler : DelegatingHandler
{
    private readonly string _authorization;
    private readonly string? _accountId;
    private readonly bool _fedRamp;

    /// <summary>Creates a floor handler.</summary>
    /// <param name="authorization">The complete <c>Authorization</c> value.</param>
    /// <param name="accountId">The <c>ChatGPT-Account-ID</c> value, or <see langword="null"/> to set only <c>Authorization</c>.</param>
    /// <param name="fedRamp">Whether to set <c>X-OpenAI-Fedramp: true</c>.</param>
    public ManualHeadersHandler(string authorization, string? accountId = null, bool fedRamp = false)
    {
        _authorization = authorization;
        _accountId = accountId;
        _fedRamp = fedRamp;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        System.Net.Http.Headers.HttpRequestHeaders headers = request.Headers;
        headers.Remove("Authorization");
        headers.TryAddWithoutValidation("Authorization", _authorization);
        if (_accountId is not null)
        {
            headers.Remove("ChatGPT-Account-ID");
            headers.TryAddWithoutValidation("ChatGPT-Account-ID", _accountId);
        }

        if (_fedRamp)
        {
            headers.Remove("X-OpenAI-Fedramp");
            headers.TryAddWithoutValidation("X-OpenAI-Fedramp", "true");
        }

        return base.SendAsync(request, cancellationToken);
    }
}
