using SharpPcap;
using SharpPcap.LibPcap;

namespace FlowForensics.Capture.Live;

/// <summary>
/// Frames from a live interface through libpcap (SharpPcap). Reads with a short timeout so that
/// cancellation is noticed promptly; <see cref="TryReadPacket"/> returns false once the token is cancelled.
/// Failures to load libpcap, find the interface, open it or compile the filter are
/// <see cref="CaptureDeviceException"/>s.
/// </summary>
public sealed class LiveCaptureSource : ICaptureSource
{
    /// <summary>Default snap length (bytes kept per packet): enough for any header stack the decoder reads.</summary>
    public const int DefaultSnapLength = 262144;

    /// <summary>Default read timeout: how long one libpcap read waits before the token is checked again.</summary>
    public const int DefaultReadTimeoutMilliseconds = 200;

    private readonly LibPcapLiveDevice _device;
    private readonly CancellationToken _cancel;
    private long _position;
    private bool _disposed;

    private LiveCaptureSource(LibPcapLiveDevice device, LinkType linkType, CancellationToken cancel)
    {
        _device = device;
        LinkType = linkType;
        _cancel = cancel;
    }

    /// <summary>Opens <paramref name="interfaceName"/> (promiscuous off) with an optional BPF <paramref name="filter"/>.</summary>
    public static LiveCaptureSource Open(string interfaceName, string? filter = null, int snapLength = DefaultSnapLength,
        int readTimeoutMilliseconds = DefaultReadTimeoutMilliseconds, bool promiscuous = false, CancellationToken cancel = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(snapLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readTimeoutMilliseconds);
        LibPcapLiveDevice? device = null;
        foreach (var candidate in Devices(interfaceName))
        {
            if (string.Equals(candidate.Name, interfaceName, StringComparison.Ordinal)) { device = candidate; break; }
        }
        if (device is null)
            throw new CaptureDeviceException(interfaceName, $"No capture interface is named '{interfaceName}'.");
        try
        {
            device.Open(new DeviceConfiguration
            {
                Snaplen = snapLength,
                ReadTimeout = readTimeoutMilliseconds,
                Mode = promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            });
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new CaptureDeviceException(interfaceName, $"Cannot open interface '{interfaceName}': {e.Message}", e);
        }
        try
        {
            if (!string.IsNullOrWhiteSpace(filter)) device.Filter = filter;
            return new LiveCaptureSource(device, (LinkType)(ushort)device.LinkType, cancel);
        }
        catch (Exception e) when (e is PcapException or ArgumentException)
        {
            device.Close();
            throw new CaptureDeviceException(interfaceName, $"Cannot apply capture filter '{filter}' on '{interfaceName}': {e.Message}", e);
        }
    }

    /// <summary>The interfaces libpcap can capture on, by name and description.</summary>
    public static IReadOnlyList<(string Name, string Description)> ListInterfaces()
    {
        var list = new List<(string, string)>();
        foreach (var device in Devices(string.Empty))
            list.Add((device.Name, device.Description ?? string.Empty));
        return list;
    }

    private static LibPcapLiveDeviceList Devices(string device)
    {
        try
        {
            return LibPcapLiveDeviceList.New();
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new CaptureDeviceException(device, "libpcap is not available or cannot list interfaces: " + e.Message, e);
        }
    }

    public string Name => _device.Name;
    public long Length => -1;

    /// <summary>Captured bytes so far.</summary>
    public long Position => _position;

    public LinkType LinkType { get; }

    /// <summary>Packets read so far.</summary>
    public long PacketCount { get; private set; }

    public bool TryReadPacket(out CapturedPacket packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!_cancel.IsCancellationRequested)
        {
            GetPacketStatus status;
            PacketCapture capture;
            try
            {
                status = _device.GetNextPacket(out capture);
            }
            catch (PcapException e)
            {
                throw new CaptureDeviceException(Name, $"Reading from '{Name}' failed: {e.Message}", e);
            }
            switch (status)
            {
                case GetPacketStatus.PacketRead:
                    var data = capture.Data;
                    var header = capture.Header;
                    var time = header.Timeval.Date;
                    long offset = _position;
                    _position += data.Length;
                    PacketCount++;
                    packet = new CapturedPacket(time.Kind == DateTimeKind.Utc ? time : time.ToUniversalTime(), LinkType, data,
                        header is PcapHeader pcapHeader ? (int)Math.Min(int.MaxValue, pcapHeader.PacketLength) : data.Length, 0, offset);
                    return true;
                case GetPacketStatus.ReadTimeout:
                    continue;
                case GetPacketStatus.NoRemainingPackets:
                    packet = default;
                    return false;
                default:
                    throw new CaptureDeviceException(Name, $"Reading from '{Name}' failed: {_device.LastError}");
            }
        }
        packet = default;
        return false;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _device.Close();
    }
}
