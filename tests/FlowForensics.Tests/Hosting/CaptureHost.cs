using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace FlowForensics.Tests.Hosting;

/// <summary>
/// A PowerShell host that records everything written to it as plain text, so tests can assert on what
/// <c>Out-Default</c> renders (format views) exactly as a console user would see it, without ANSI codes.
/// </summary>
internal sealed class CaptureHost : PSHost
{
    private readonly CaptureHostUserInterface _ui;

    public CaptureHost(int width = 160) => _ui = new CaptureHostUserInterface(width);

    /// <summary>The recording user interface.</summary>
    public CaptureHostUserInterface Capture => _ui;

    public override PSHostUserInterface UI => _ui;
    public override string Name => "FlowForensics.Tests";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by the test host.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by the test host.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

/// <summary>Records host output; every string passes GetOutputString so no ANSI decoration is kept.</summary>
internal sealed class CaptureHostUserInterface : PSHostUserInterface
{
    private readonly StringBuilder _text = new();
    private readonly List<string> _errorLines = [];
    private readonly List<string> _verboseLines = [];
    private readonly List<string> _warningLines = [];
    private readonly List<ProgressRecord> _progress = [];
    private readonly object _gate = new();
    private readonly CaptureRawUserInterface _rawUI;

    public CaptureHostUserInterface(int width) => _rawUI = new CaptureRawUserInterface(width);

    public override PSHostRawUserInterface RawUI => _rawUI;

    /// <summary>The console width the formatter sees.</summary>
    public int Width
    {
        get => _rawUI.BufferSize.Width;
        set => _rawUI.BufferSize = new Size(value, _rawUI.BufferSize.Height);
    }

    /// <summary>Everything written to the host (output and error lines), with '\n' line ends.</summary>
    public string Text
    {
        get { lock (_gate) return _text.ToString(); }
    }

    public IReadOnlyList<string> ErrorLines { get { lock (_gate) return [.. _errorLines]; } }
    public IReadOnlyList<string> VerboseLines { get { lock (_gate) return [.. _verboseLines]; } }
    public IReadOnlyList<string> WarningLines { get { lock (_gate) return [.. _warningLines]; } }
    public IReadOnlyList<ProgressRecord> ProgressRecords { get { lock (_gate) return [.. _progress]; } }

    /// <summary>Forget what was recorded so far.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _text.Clear();
            _errorLines.Clear();
            _verboseLines.Clear();
            _warningLines.Clear();
            _progress.Clear();
        }
    }

    public override void Write(string value)
    {
        lock (_gate) _text.Append(Plain(value));
    }

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

    public override void WriteLine(string value)
    {
        lock (_gate) _text.Append(Plain(value)).Append('\n');
    }

    public override void WriteErrorLine(string value)
    {
        string plain = Plain(value);
        lock (_gate)
        {
            _errorLines.Add(plain);
            _text.Append(plain).Append('\n');
        }
    }

    public override void WriteDebugLine(string message) { }

    public override void WriteVerboseLine(string message)
    {
        lock (_gate) _verboseLines.Add(Plain(message));
    }

    public override void WriteWarningLine(string message)
    {
        lock (_gate) _warningLines.Add(Plain(message));
    }

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        lock (_gate) _progress.Add(record);
    }

    public override string ReadLine() => throw new NotSupportedException("The test host cannot read input.");
    public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("The test host cannot read input.");

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
        throw new NotSupportedException("The test host cannot prompt.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw new NotSupportedException("The test host cannot prompt.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        throw new NotSupportedException("The test host cannot prompt.");

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;

    private static string Plain(string value) => GetOutputString(value, supportsVirtualTerminal: false);
}

/// <summary>A raw UI whose only job is to report a fixed, settable buffer width to the formatter.</summary>
internal sealed class CaptureRawUserInterface : PSHostRawUserInterface
{
    public CaptureRawUserInterface(int width)
    {
        BufferSize = new Size(width, 9999);
        WindowSize = new Size(width, 50);
    }

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;

    public override Size BufferSize
    {
        get;
        set
        {
            field = value;
            WindowSize = new Size(value.Width, WindowSize.Height);
        }
    }

    public override Size WindowSize { get; set; }
    public override Coordinates WindowPosition { get; set; }
    public override Size MaxWindowSize => WindowSize;
    public override Size MaxPhysicalWindowSize => WindowSize;
    public override bool KeyAvailable => false;
    public override string WindowTitle { get; set; } = "FlowForensics.Tests";

    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("The test host cannot read keys.");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}
