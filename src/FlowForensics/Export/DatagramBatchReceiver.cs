using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using FlowForensics.Flows;

namespace FlowForensics.Export;

/// <summary>
/// Receives up to <see cref="Batch"/> datagrams per system call with Linux's <c>recvmmsg</c> (one <c>recvmsg</c> per
/// datagram cost the collector's receive thread about 3 µs each under load). The datagrams land in one pinned buffer,
/// <see cref="Batch"/> spaces of the largest datagram, with each sender's socket address beside it; nothing is allocated
/// per call. Only on 64-bit Linux (x64, Arm64: the LP64 layout of <c>struct mmsghdr</c> below) with glibc;
/// <see cref="TryCreate"/> gives null elsewhere, and the caller keeps <see cref="Socket.ReceiveFrom(Span{byte}, SocketFlags, System.Net.SocketAddress)"/>.
/// The call never blocks (MSG_DONTWAIT): when nothing is waiting the caller waits with <see cref="Socket.Poll(int, SelectMode)"/>,
/// whether the socket is in blocking mode or not.
/// </summary>
internal sealed class DatagramBatchReceiver
{
    /// <summary>Datagrams received per call at most.</summary>
    internal const int Batch = 32;

    /// <summary>Room for a socket address of either family (sizeof(struct sockaddr_storage)).</summary>
    private const int NameBytes = 128;
    private const int MsgDontWait = 0x40;          // MSG_DONTWAIT
    private const int EAgain = 11;                 // EAGAIN = EWOULDBLOCK on Linux
    private const int EIntr = 4;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    private readonly Socket _socket;
    private readonly int _maxDatagram;
    // Pinned (the pinned object heap), so the addresses given to the kernel stay valid for the receiver's life; freed with it.
    private readonly byte[] _buffer;
    private readonly byte[] _names;
    private readonly MessageHeader[] _headers;
    private readonly IoVector[] _vectors;
    private readonly nint _headersAddress;

    private DatagramBatchReceiver(Socket socket, int maxDatagram)
    {
        _socket = socket;
        _maxDatagram = maxDatagram;
        _buffer = GC.AllocateUninitializedArray<byte>(Batch * maxDatagram, pinned: true);
        _names = GC.AllocateArray<byte>(Batch * NameBytes, pinned: true);
        _headers = GC.AllocateArray<MessageHeader>(Batch, pinned: true);
        _vectors = GC.AllocateArray<IoVector>(Batch, pinned: true);
        _headersAddress = Marshal.UnsafeAddrOfPinnedArrayElement(_headers, 0);
        for (int i = 0; i < Batch; i++)
        {
            _vectors[i] = new IoVector(Marshal.UnsafeAddrOfPinnedArrayElement(_buffer, i * maxDatagram), (nuint)maxDatagram);
            _headers[i].Name = Marshal.UnsafeAddrOfPinnedArrayElement(_names, i * NameBytes);
            _headers[i].NameLength = NameBytes;
            _headers[i].Vectors = Marshal.UnsafeAddrOfPinnedArrayElement(_vectors, i);
            _headers[i].VectorCount = 1;
        }
    }

    /// <summary>A receiver for <paramref name="socket"/> (UDP, IPv4 or IPv6), or null where <c>recvmmsg</c> is not used.</summary>
    internal static DatagramBatchReceiver? TryCreate(Socket socket, int maxDatagram)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return null;
        return new DatagramBatchReceiver(socket, maxDatagram);
    }

    /// <summary>
    /// Receives what is waiting, up to <see cref="Batch"/> datagrams, without blocking: the count (0 when nothing was
    /// waiting or the call was interrupted), or -1 when the call failed otherwise (or <c>recvmmsg</c> is missing).
    /// </summary>
    internal int Receive()
    {
        int n;
        try
        {
            n = recvmmsg((int)_socket.Handle, _headersAddress, Batch, MsgDontWait, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
        if (n >= 0) return n;
        return Marshal.GetLastPInvokeError() is EAgain or EIntr ? 0 : -1;
    }

    /// <summary>Bytes of one <c>struct mmsghdr</c> as laid out here (64 on LP64 Linux; a test checks it).</summary>
    internal static int HeaderBytes => Marshal.SizeOf<MessageHeader>();

    /// <summary>Waits up to <paramref name="microseconds"/> for a datagram to be waiting.</summary>
    internal void Wait(int microseconds) => _socket.Poll(microseconds, SelectMode.SelectRead);

    /// <summary>The bytes of datagram <paramref name="i"/> of the last <see cref="Receive"/> (valid until the next).</summary>
    internal ReadOnlySpan<byte> Datagram(int i)
    {
        int length = (int)Math.Min(_headers[i].Length, (uint)_maxDatagram);
        return _buffer.AsSpan(i * _maxDatagram, length);
    }

    /// <summary>The sender's socket address of datagram <paramref name="i"/>, as the kernel wrote it.</summary>
    internal ReadOnlySpan<byte> SenderName(int i) =>
        _names.AsSpan(i * NameBytes, (int)Math.Min(_headers[i].Message.NameLength, (uint)NameBytes));

    /// <summary>Makes datagram <paramref name="i"/>'s header ready for the next call (the kernel shortens the name length).</summary>
    internal void Rearm(int i) => _headers[i].Message.NameLength = NameBytes;

    /// <summary>
    /// The sender's address in a socket address (sockaddr_in or sockaddr_in6; an IPv4-mapped IPv6 address, as a dual-mode
    /// socket reports IPv4 senders, as the IPv4 address); false for any other family or a short address.
    /// </summary>
    internal static bool TryReadSender(ReadOnlySpan<byte> name, out FlowAddress address)
    {
        address = default;
        if (name.Length < 2) return false;
        ushort family = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(name) : BinaryPrimitives.ReadUInt16BigEndian(name);
        if (family == AfInet && name.Length >= 8)
        {
            address = FlowAddress.FromIPv4(name.Slice(4, 4));
            return true;
        }
        if (family == AfInet6 && name.Length >= 24)
        {
            var bytes = name.Slice(8, 16);
            if (BinaryPrimitives.ReadUInt64BigEndian(bytes) == 0 && BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]) == 0xFFFF)
                address = FlowAddress.FromIPv4(bytes[12..]);
            else
                address = FlowAddress.FromIPv6(bytes);
            return true;
        }
        return false;
    }

    // struct iovec (LP64).
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVector(nint start, nuint length)
    {
        public readonly nint Start = start;
        public readonly nuint Length = length;
    }

    // struct msghdr (LP64: 56 bytes; the 32-bit fields are followed by padding, which Sequential layout adds).
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeaderCore
    {
        public nint Name;
        public uint NameLength;
        public nint Vectors;
        public nuint VectorCount;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    // struct mmsghdr: the msghdr, then the datagram's length as received (64 bytes).
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public MessageHeaderCore Message;
        public uint Length;

        public nint Name { readonly get => Message.Name; set => Message.Name = value; }
        public uint NameLength { readonly get => Message.NameLength; set => Message.NameLength = value; }
        public nint Vectors { readonly get => Message.Vectors; set => Message.Vectors = value; }
        public nuint VectorCount { readonly get => Message.VectorCount; set => Message.VectorCount = value; }
    }

    // DllImport, not LibraryImport: the engine compiles without unsafe code, and these arguments need no marshalling.
    [DllImport("libc.so.6", ExactSpelling = true, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int recvmmsg(int socket, nint messages, uint count, int flags, nint timeout);
}
