namespace Codex.Auth.Cli;

/// <summary>A mistake on the command line; reported as one line on stderr with exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message)
{
    public CliUsageException()
        : this("Invalid usage.")
    {
    }

    public CliUsageException(string message, Exception innerException)
        : this(message + " " + innerException.Message)
    {
    }
}
