namespace Codex.Auth;

/// <summary>
/// Reads environment variables. <see cref="Process"/> reads the real ones; tests and hosts that
/// configure credentials programmatically can supply their own with <see cref="FromValues"/>.
/// </summary>
public abstract class CodexEnvironment
{
    /// <summary>Gets the process environment.</summary>
    public static CodexEnvironment Process { get; } = new ProcessEnvironment();

    /// <summary>Creates an environment holding exactly <paramref name="values"/> (names are case-sensitive).</summary>
    /// <param name="values">The variables.</param>
    /// <returns>The environment.</returns>
    public static CodexEnvironment FromValues(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new DictionaryEnvironment(new Dictionary<string, string?>(values, StringComparer.Ordinal));
    }

    /// <summary>Gets the raw value of a variable, or <see langword="null"/> when it is not set.</summary>
    /// <param name="name">The variable name.</param>
    /// <returns>The value.</returns>
    public abstract string? GetVariable(string name);

    /// <summary>Gets a variable's value trimmed, treating a set-but-blank variable as absent.</summary>
    /// <param name="name">The variable name.</param>
    /// <returns>The trimmed value, or <see langword="null"/>.</returns>
    public string? GetNonBlank(string name)
    {
        string? value = GetVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private sealed class ProcessEnvironment : CodexEnvironment
    {
        public override string? GetVariable(string name) => Environment.GetEnvironmentVariable(name);
    }

    private sealed class DictionaryEnvironment(Dictionary<string, string?> values) : CodexEnvironment
    {
        public override string? GetVariable(string name) => values.TryGetValue(name, out string? v) ? v : null;
    }
}
