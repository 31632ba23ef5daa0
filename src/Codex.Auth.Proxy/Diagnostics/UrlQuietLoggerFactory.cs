using Microsoft.Extensions.Logging;

namespace Codex.Auth.Proxy.Diagnostics;

/// <summary>
/// The loggers <see cref="CodexAuthProxyHost"/> gives its app: the caller's, except that the categories that log whole request
/// URLs — ASP.NET Core hosting ("Request starting … ?query"), routing, and YARP ("Proxying to …?query") — pass warnings and
/// errors only. A query string on an auth route can carry an authorization code; the proxy's own lines log paths without it.
/// </summary>
internal sealed class UrlQuietLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private static readonly string[] s_urlLoggingCategories = ["Yarp.", "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing."];

    public ILogger CreateLogger(string categoryName)
    {
        ILogger logger = inner.CreateLogger(categoryName);
        foreach (string prefix in s_urlLoggingCategories)
        {
            if (categoryName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new WarningsOnly(logger);
            }
        }

        return logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The caller owns the inner factory.
    }

    private sealed class WarningsOnly(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
