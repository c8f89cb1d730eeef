using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace FlowForensics.Host;

/// <summary>The PSHost of the console: output to stdout, errors/warnings/verbose to stderr, an exit code from 'exit'.</summary>
internal sealed class ConsoleHost : PSHost
{
    private readonly ConsoleHostUserInterface _ui = new();

    public override PSHostUserInterface UI => _ui;
    public override string Name => "FlowForensics";
    public override Version Version { get; } = typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    /// <summary>Set when a script ran 'exit N'.</summary>
    public int? ExitCode { get; private set; }

    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;

    public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

internal sealed class ConsoleHostUserInterface : PSHostUserInterface
{
    private readonly ConsoleRawUserInterface _rawUI = new();
    private readonly bool _stdoutIsTerminal = !Console.IsOutputRedirected;
    private readonly bool _stderrIsTerminal = !Console.IsErrorRedirected;
    private readonly object _gate = new();

    public override PSHostRawUserInterface RawUI => _rawUI;

    /// <summary>ANSI colours only when stdout is a terminal; GetOutputString strips them otherwise.</summary>
    public override bool SupportsVirtualTerminal => _stdoutIsTerminal;

    public override void Write(string value) => Out(value, newLine: false);
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Out(value, newLine: false);
    public override void WriteLine(string value) => Out(value, newLine: true);

    public override void WriteErrorLine(string value) => Err(value);
    public override void WriteWarningLine(string message) => Err("WARNING: " + message);
    public override void WriteVerboseLine(string message) => Err("VERBOSE: " + message);
    public override void WriteDebugLine(string message) => Err("DEBUG: " + message);

    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        if (!_stderrIsTerminal)
        {
            return;
        }

        lock (_gate)
        {
            // One overwritten line on the terminal; cleared when the activity completes.
            string text = record.RecordType == ProgressRecordType.Completed
                ? string.Empty
                : $"{record.Activity}: {record.StatusDescription}" + (record.PercentComplete >= 0 ? $" ({record.PercentComplete}%)" : string.Empty);
            int width = Math.Max(10, _rawUI.BufferSize.Width - 1);
            if (text.Length > width)
            {
                text = text[..width];
            }

            Console.Error.Write("\r" + text.PadRight(width) + "\r");
        }
    }

    public override string ReadLine() => Console.ReadLine() ?? string.Empty;

    public override SecureString ReadLineAsSecureString()
    {
        var secure = new SecureString();
        foreach (char c in Console.ReadLine() ?? string.Empty)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        WritePromptHeader(caption, message);
        var answers = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
        foreach (FieldDescription field in descriptions)
        {
            Console.Error.Write($"{field.Name}: ");
            answers[field.Name] = PSObject.AsPSObject(Console.ReadLine() ?? string.Empty);
        }

        return answers;
    }

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        WritePromptHeader(caption, message);
        while (true)
        {
            for (int i = 0; i < choices.Count; i++)
            {
                string marker = i == defaultChoice ? " (default)" : string.Empty;
                Console.Error.WriteLine($"  [{i}] {choices[i].Label.Replace("&", string.Empty, StringComparison.Ordinal)}{marker}");
            }

            Console.Error.Write("Choice: ");
            string? line = Console.ReadLine();
            if (string.IsNullOrWhiteSpace(line))
            {
                return defaultChoice;
            }

            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index >= 0 && index < choices.Count)
            {
                return index;
            }

            for (int i = 0; i < choices.Count; i++)
            {
                string label = choices[i].Label;
                int amp = label.IndexOf('&', StringComparison.Ordinal);
                string hotkey = amp >= 0 && amp + 1 < label.Length ? label[amp + 1].ToString() : label.Replace("&", string.Empty, StringComparison.Ordinal);
                if (string.Equals(line.Trim(), hotkey, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw new NotSupportedException("Credential prompts are not supported; pass a PSCredential.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        throw new NotSupportedException("Credential prompts are not supported; pass a PSCredential.");

    private static void WritePromptHeader(string caption, string message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            Console.Error.WriteLine(caption);
        }

        if (!string.IsNullOrEmpty(message))
        {
            Console.Error.WriteLine(message);
        }
    }

    private void Out(string value, bool newLine)
    {
        string text = GetOutputString(value, _stdoutIsTerminal);
        lock (_gate)
        {
            if (newLine)
            {
                Console.Out.WriteLine(text);
            }
            else
            {
                Console.Out.Write(text);
            }
        }
    }

    private void Err(string value)
    {
        string text = GetOutputString(value, _stderrIsTerminal);
        lock (_gate)
        {
            Console.Out.Flush();
            Console.Error.WriteLine(text);
        }
    }
}

/// <summary>Reports the console's width to the formatter (160 when stdout is redirected).</summary>
internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
{
    private const int RedirectedWidth = 160;

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;

    public override Size BufferSize
    {
        get => new(Width(), 9999);
        set { }
    }

    public override Size WindowSize
    {
        get => new(Width(), Height());
        set { }
    }

    public override Coordinates WindowPosition { get; set; }
    public override Size MaxWindowSize => WindowSize;
    public override Size MaxPhysicalWindowSize => WindowSize;
    public override bool KeyAvailable => !Console.IsInputRedirected && Console.KeyAvailable;
    public override string WindowTitle { get; set; } = "FlowForensics";

    public override void FlushInputBuffer() { }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        ConsoleKeyInfo k = Console.ReadKey((options & ReadKeyOptions.NoEcho) != 0);
        ControlKeyStates state = 0;
        if ((k.Modifiers & ConsoleModifiers.Shift) != 0) state |= ControlKeyStates.ShiftPressed;
        if ((k.Modifiers & ConsoleModifiers.Control) != 0) state |= ControlKeyStates.LeftCtrlPressed;
        if ((k.Modifiers & ConsoleModifiers.Alt) != 0) state |= ControlKeyStates.LeftAltPressed;
        return new KeyInfo((int)k.Key, k.KeyChar, state, keyDown: true);
    }

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }

    private static int Width()
    {
        if (Console.IsOutputRedirected)
        {
            return RedirectedWidth;
        }

        try
        {
            int w = Console.WindowWidth;
            return w > 0 ? w : RedirectedWidth;
        }
        catch (IOException)
        {
            return RedirectedWidth;
        }
    }

    private static int Height()
    {
        try
        {
            return Console.IsOutputRedirected ? 50 : Math.Max(1, Console.WindowHeight);
        }
        catch (IOException)
        {
            return 50;
        }
    }
}
