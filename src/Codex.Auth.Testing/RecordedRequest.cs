namespace Codex.Auth.Testing;

/// <summary>One HTTP request received by a <see cref="FakeCodexServer"/>, as recorded on arrival.</summary>
public sealed class RecordedRequest
{
    internal RecordedRequest(
        string method,
        string path,
        string queryString,
        IReadOnlyDictionary<string, string> headers,
        string body,
        DateTimeOffset timestamp)
    {
        Method = method;
        Path = path;
        QueryString = queryString;
        Headers = headers;
        Body = body;
        Timestamp = timestamp;
    }

    /// <summary>Gets the HTTP method, for example <c>POST</c>.</summary>
    public string Method { get; }

    /// <summary>Gets the request path without the query, for example <c>/oauth/token</c>.</summary>
    public string Path { get; }

    /// <summary>Gets the query string including its leading <c>?</c>, or an empty string.</summary>
    public string QueryString { get; }

    /// <summary>Gets the path followed by the query string.</summary>
    public string PathAndQuery => Path + QueryString;

    /// <summary>
    /// Gets the request headers; lookups are case-insensitive and a header sent several times
    /// has its values joined with <c>", "</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Gets the request body decoded as UTF-8 (empty when there was none).</summary>
    public string Body { get; }

    /// <summary>Gets when the request arrived, by the server's <see cref="FakeCodexServerOptions.TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>
    /// Gets a value indicating whether the request arrived at the routed origin (<see cref="FakeCodexServer.RoutedBaseAddress"/>)
    /// rather than the default one (<see cref="FakeCodexServer.BaseAddress"/>).
    /// </summary>
    public bool IsRoutedOrigin { get; internal init; }

    /// <summary>Returns the value of a header (case-insensitive name), or <see langword="null"/> when absent.</summary>
    /// <param name="name">The header name.</param>
    /// <returns>The header value or <see langword="null"/>.</returns>
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;

    /// <inheritdoc />
    public override string ToString() => Method + " " + (IsRoutedOrigin ? "[routed] " : string.Empty) + Path;
}
