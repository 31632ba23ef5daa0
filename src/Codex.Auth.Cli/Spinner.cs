namespace Codex.Auth.Cli;

/// <summary>
/// A one-line animated status on stderr while a flow waits. Only animates when stderr is a terminal; otherwise it
/// writes nothing (the text is still available to <see cref="Update"/> callers), so logs and pipes stay clean.
/// </summary>
internal sealed class Spinner(TextWriter error, bool animate) : IDisposable
{
    private static readonly string[] s_frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

    private readonly object _gate = new();
    private Timer? _timer;
    private string _text = string.Empty;
    private int _frame;
    private int _width;

    public void Start(string text)
    {
        Update(text);
        if (animate && _timer is null)
        {
            _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
        }
    }

    public void Update(string text)
    {
        lock (_gate)
        {
            _text = text;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (animate && _width > 0)
            {
                error.Write("\r" + new string(' ', _width) + "\r");
                error.Flush();
                _width = 0;
            }
        }
    }

    private void Draw()
    {
        lock (_gate)
        {
            if (_timer is null)
            {
                return;
            }

            string line = $"{s_frames[_frame++ % s_frames.Length]} {_text}";
            error.Write("\r" + line.PadRight(_width));
            error.Flush();
            _width = Math.Max(_width, line.Length);
        }
    }
}
